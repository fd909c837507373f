// Runs the README's test of the README's app (test/readme/app: the files the README shows, checked by
// readme-snippets.spec.ts) against the simulator, with jest's globals as a user's scaffold has them. Imported by
// a computed path: the app compiles under the user's settings (npm run typecheck:types), not the repository's.
const spec = new URL('./app/test/wecom.e2e-spec.ts', import.meta.url).href;
await import(spec);
