// jest 30 in native ESM mode (NODE_OPTIONS=--experimental-vm-modules) with ts-jest: the same config runs on
// Nest 12 (ESM-only packages) and Nest 11 (CommonJS). ts-jest does not type-check here (isolatedModules);
// `npm run typecheck` does.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Specs and the sample import the package by its name, as users do; here that means the sources.
    '^nestjs-wecom-batch$': '<rootDir>/lib/index.ts',
    '^nestjs-wecom-batch/testing$': '<rootDir>/lib/testing/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  testMatch: ['<rootDir>/lib/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // The whole-run telemetry guard: an OpenTelemetry SDK and a no-secrets check for the specs under test/e2e and
  // test/hardening; a no-op for every other spec (see the file).
  setupFilesAfterEnv: ['<rootDir>/test/setup/otel-leak-guard.ts'],
  testTimeout: 30_000,
};
