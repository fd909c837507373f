import { describe, expect, it } from '@jest/globals';
import { WeComConfigError } from './errors/wecom-config.error.js';
import { MemoryStore } from './stores/memory.store.js';
import { WECOM_BATCH_EXTRA_KEYS } from './wecom-batch.constants.js';
import { WECOM_BATCH_DEFAULTS } from './wecom-batch.defaults.js';
import { type WeComBatchModuleOptions } from './wecom-batch.options.js';
import { resolveWeComBatchOptions } from './wecom-batch-options.resolver.js';

const REQUIRED = { corpId: 'wwcorp', corpSecret: 'corp-secret-value' };
const CALLBACK = {
  url: 'https://hr.example.com/wecom/batch/callback',
  token: 'tok3n',
  encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

/** The WeComConfigError `options` are refused with (fails the test when they are accepted). */
function refusal(options: object): WeComConfigError {
  try {
    resolveWeComBatchOptions(options as WeComBatchModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(WeComConfigError);
    return error as WeComConfigError;
  }
  throw new Error('the options were accepted');
}

describe('unknown option keys', () => {
  it('refuses a misspelt top-level group and names the key it meant', () => {
    const error = refusal({ ...REQUIRED, callbak: CALLBACK });
    expect(error.problems).toEqual([
      { field: 'callbak', message: 'is not a WeComBatchModule option (did you mean `callback`?)' },
    ]);
    expect(error.message).toContain('callbak: is not a WeComBatchModule option (did you mean `callback`?)');
  });

  it('refuses unknown keys inside groups, with the dotted path and the closest key of that group', () => {
    const error = refusal({
      ...REQUIRED,
      callback: { ...CALLBACK, encodingAesKey: CALLBACK.encodingAESKey },
      polling: { callbackGrace: 500, initialIntervalMs: 50 },
      retry: { maxRetry: 1 },
    });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { field: 'callback.encodingAesKey', message: expect.stringContaining('did you mean `encodingAESKey`?') },
        { field: 'polling.callbackGrace', message: expect.stringContaining('did you mean `callbackGraceMs`?') },
        { field: 'retry.maxRetry', message: expect.stringContaining('did you mean `maxRetries`?') },
      ]),
    );
    expect(error.problems).toHaveLength(3);
  });

  it('says nothing misleading for a key that resembles nothing', () => {
    const error = refusal({ ...REQUIRED, frobnicate: true });
    expect(error.problems).toEqual([{ field: 'frobnicate', message: 'is not a WeComBatchModule option' }]);
  });

  it('suggests `store` (validated apart from the schema) and reports unknown keys beside bad values', () => {
    const error = refusal({ ...REQUIRED, stor: new MemoryStore(), requestTimeoutMs: -1 });
    expect(error.problems.map((p) => p.field).sort()).toEqual(['requestTimeoutMs', 'stor']);
    expect(error.problems.find((p) => p.field === 'stor')?.message).toContain('did you mean `store`?');
  });

  it.each(WECOM_BATCH_EXTRA_KEYS)('refuses the registration extra `%s` among the options a factory returns', (key) => {
    const error = refusal({ ...REQUIRED, [key]: true });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].field).toBe(key);
    expect(error.problems[0].message).toContain('registration setting');
    expect(error.problems[0].message).toContain('beside useFactory');
  });

  it('never prints a value, also not of an unknown key', () => {
    const error = refusal({ ...REQUIRED, corpSecrett: 'do-not-print-me', callback: { ...CALLBACK, tokn: 'hidden' } });
    expect(error.message).not.toContain('do-not-print-me');
    expect(error.message).not.toContain('hidden');
    expect(error.message).not.toContain(CALLBACK.encodingAESKey);
    expect(error.problems.map((p) => p.field).sort()).toEqual(['callback.tokn', 'corpSecrett']);
  });

  it('knows every option that has a default, and the ones without (the schema is the one list)', () => {
    const everyDefault = JSON.parse(JSON.stringify(WECOM_BATCH_DEFAULTS)) as object;
    expect(() =>
      resolveWeComBatchOptions({
        ...REQUIRED,
        ...everyDefault,
        callback: { ...CALLBACK, acceptedKeys: [{ token: 'old', encodingAESKey: CALLBACK.encodingAESKey }] },
        store: new MemoryStore(),
        resolveCorp: async () => undefined,
      }),
    ).not.toThrow();
  });

  it('still accepts every known option, the store and undefined values', () => {
    expect(() =>
      resolveWeComBatchOptions({
        ...REQUIRED,
        apiBaseUrl: undefined,
        callback: CALLBACK,
        store: new MemoryStore(),
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, rateLimitDelayMs: 3 },
        polling: { callbackGraceMs: 1, initialIntervalMs: 1, maxIntervalMs: 1, timeoutMs: 1 },
        fetchResults: false,
      }),
    ).not.toThrow();
  });
});
