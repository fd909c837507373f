import { describe, expect, it } from '@jest/globals';
import { WeComConfigError } from '../../errors/wecom-config.error.js';
import { WECOM_BATCH_DEFAULTS } from '../../wecom-batch.defaults.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';

const base = { corpId: 'wwcorp', corpSecret: 'secret' };

describe('exportBlockSize', () => {
  it('defaults to 50,000 records per file', () => {
    expect(resolveWeComBatchOptions(base).exportBlockSize).toBe(50_000);
    expect(WECOM_BATCH_DEFAULTS.exportBlockSize).toBe(50_000);
  });

  it.each([9_999, 1_000_001, 20_000.5, '50000'])('refuses %p at bootstrap, naming the field', (value) => {
    let error: unknown;
    try {
      resolveWeComBatchOptions({ ...base, exportBlockSize: value as number });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeComConfigError);
    expect((error as WeComConfigError).problems.map((p) => p.field)).toEqual(['exportBlockSize']);
  });

  it('accepts WeCom’s bounds', () => {
    expect(resolveWeComBatchOptions({ ...base, exportBlockSize: 10_000 }).exportBlockSize).toBe(10_000);
    expect(resolveWeComBatchOptions({ ...base, exportBlockSize: 1_000_000 }).exportBlockSize).toBe(1_000_000);
  });
});
