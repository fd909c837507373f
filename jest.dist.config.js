// Runs the e2e specs against the built package, as users load it: `DIST=esm` (default) or `DIST=cjs`.
// The e2e specs import only 'nestjs-wecom-batch' and 'nestjs-wecom-batch/testing', so remapping those two
// names swaps the whole library under test.
import base from './jest.config.js';

const format = process.env.DIST ?? 'esm';
if (format !== 'esm' && format !== 'cjs') throw new Error(`DIST must be esm or cjs, not ${format}`);

/** @type {import('jest').Config} */
export default {
  ...base,
  moduleNameMapper: {
    '^nestjs-wecom-batch$': `<rootDir>/dist/${format}/index.js`,
    '^nestjs-wecom-batch/testing$': `<rootDir>/dist/${format}/testing/index.js`,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
  // Kept from the base config on purpose: the telemetry guard checks the built package's spans and metrics too.
  setupFilesAfterEnv: base.setupFilesAfterEnv,
};
