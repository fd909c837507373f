// Runs the README's version of the scaffold's app.e2e-spec.ts: AppModule boots with wecom-test-env.ts imported
// first, without a simulator. Imported by a computed path (see readme-simulator.spec.ts).
const spec = new URL('./app/test/app.e2e-spec.ts', import.meta.url).href;
await import(spec);
