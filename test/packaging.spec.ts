import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Loads the built package (`npm test` builds first) the way users do — by its name, through the exports
// map — in real Node processes: `import()` for ESM apps (Nest 12), `require()` for CommonJS apps (Nest 11).

const root = process.cwd();

const ROOT_EXPORTS = [
  'BATCH_JOB_TYPES',
  'BatchJob',
  'BatchJobCompletedEvent',
  'BatchJobSubmittedEvent',
  'BatchRunCompletedEvent',
  'BatchService',
  'CallbackRejectedEvent',
  'DEFAULT_API_BASE_URL',
  'DEFAULT_CALLBACK_PATH',
  'DEPARTMENT_CSV_HEADERS',
  'DepartmentRow',
  'EXPORT_JOB_TYPES',
  'ExportJob',
  'InjectBatchService',
  'InjectWeComCallbackService',
  'MEMBER_CSV_HEADERS',
  'MIRROR_DEFAULTS',
  'MemberRow',
  'MemoryStore',
  'MirrorAppliedEvent',
  'MirrorPlannedEvent',
  'RedisStore',
  'WECOM_BATCH_EVENTS',
  'WECOM_CRYPTO_ERROR_CODES',
  'WITHHELD_MEMBER_FIELDS',
  'WeComApiError',
  'WeComBatchError',
  'WeComBatchHealthIndicator',
  'WeComBatchModule',
  'WeComCallbackService',
  'WeComConfigError',
  'WeComCrypto',
  'WeComCryptoError',
  'WeComDetailReadRestrictedError',
  'WeComExportFailedError',
  'WeComExportFileError',
  'WeComExportUnavailableError',
  'WeComFileTooLargeError',
  'WeComImportBusyError',
  'WeComInvalidRequestError',
  'WeComJobTimeoutError',
  'WeComMirrorGuardError',
  'WeComMirrorStalePlanError',
  'WeComRowValidationError',
  'WeComStoreError',
  'WeComSubmissionUncertainError',
  'WeComSyncRunError',
  'buildDepartmentCsv',
  'buildMemberCsv',
  'getBatchServiceToken',
  'getWeComCallbackServiceToken',
  'renderDirectoryPlan',
  'validateDepartmentRows',
  'validateMemberRows',
  'writeDepartmentCsv',
  'writeMemberCsv',
];
const TESTING_EXPORTS: string[] = [
  'SIMULATOR_DEFAULTS',
  'SIMULATOR_ENDPOINTS',
  'UNASSIGNED_DEPARTMENT_NAME',
  'WeComSimulator',
  'WeComSimulatorError',
];

function exportedNames(specifier: string, loader: 'import' | 'require'): string[] {
  const script =
    loader === 'import'
      ? `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort())))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).filter((k) => k !== '__esModule').sort()))`;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out) as string[];
}

describe('the built package', () => {
  it('has been built (npm test runs the build first)', () => {
    expect(existsSync(join(root, 'dist/esm/index.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/cjs/index.js'))).toBe(true);
  });

  it.each([
    ['nestjs-wecom-batch', ROOT_EXPORTS],
    ['nestjs-wecom-batch/testing', TESTING_EXPORTS],
  ])('%s exports the same names through import() and require()', (specifier, expected) => {
    expect(exportedNames(specifier, 'import')).toEqual([...expected].sort());
    expect(exportedNames(specifier, 'require')).toEqual([...expected].sort());
  });

  it('import() loads the ESM build and require() the CommonJS build (not one format for both)', () => {
    const esmFile = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('nestjs-wecom-batch'))"],
      { cwd: root, encoding: 'utf8' },
    );
    const cjsFile = execFileSync(process.execPath, ['-e', "console.log(require.resolve('nestjs-wecom-batch'))"], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(esmFile.trim()).toMatch(/dist\/esm\/index\.js$/);
    expect(cjsFile.trim()).toMatch(/dist\/cjs\/index\.js$/);
    expect(JSON.parse(readFileSync(join(root, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('every file the exports map names exists, types included', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, Record<string, string>>>;
    };
    const files: string[] = [];
    for (const entry of Object.values(pkg.exports)) {
      if (typeof entry === 'string') files.push(entry);
      else for (const conditions of Object.values(entry)) files.push(...Object.values(conditions));
    }
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) expect([file, existsSync(join(root, file))]).toEqual([file, true]);
  });

  it('keeps the JSDoc in the type declarations (removeComments: false)', () => {
    const dts = readFileSync(join(root, 'dist/esm/wecom-batch.options.d.ts'), 'utf8');
    expect(dts).toContain('@default');
    expect(dts).toContain('EncodingAESKey');
  });
});
