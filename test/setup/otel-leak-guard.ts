import { afterAll, expect } from '@jest/globals';

// The issue's "no attribute, event or label of any span or metric in the whole e2e run contains a secret or a
// row's personal data", as a jest setup file (setupFilesAfterEnv of jest.config.js and jest.dist.config.js).
//
// In the specs that run the module in this process — test/e2e and test/hardening — it registers a real
// OpenTelemetry SDK before the spec file is loaded (so before any app is created: the module takes its tracer
// and meter at bootstrap) and, after the file's tests, searches every string of every span and metric point for
// the values ./secret-registry.ts knows (the helpers' secrets, and what their simulators issued and received).
// Elsewhere it does nothing and loads nothing: lib unit specs keep the API's no-op providers, and the packaging
// specs that hide @opentelemetry/api never load it from here (everything is imported inside the guarded branch).
//
// test/cluster is not guarded: its instances are child processes, whose telemetry this process never sees.

const GUARDED = /[\\/]test[\\/](e2e|hardening)[\\/]/;
const testPath = expect.getState().testPath ?? '';

if (GUARDED.test(testPath)) {
  const [{ OtelSdk }, { forbiddenValues }, { describeLeaks, findLeaks }] = await Promise.all([
    import('../e2e/helpers/otel-sdk.js'),
    import('./secret-registry.js'),
    import('./telemetry-leaks.js'),
  ]);
  const sdk = OtelSdk.shared();

  // Declared before the spec's own hooks, so it runs before the spec's top-level afterAll: telemetry recorded
  // while such a hook closes an app is not searched (apps closed in afterEach or in a describe's afterAll are).
  afterAll(async () => {
    const leaks = findLeaks(await sdk.recordedTexts(), forbiddenValues());
    if (leaks.length > 0) throw new Error(describeLeaks(leaks));
  });
}
