import { describe, expect, it } from '@jest/globals';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { RetryPolicy } from './retry-policy.service.js';

const OPTIONS = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000, rateLimitDelayMs: 60_000 };

function failure(errcode: number | null, kind: WeComApiError['kind'] = 'api', retryable = true): WeComApiError {
  return new WeComApiError({ kind, endpoint: 'batch/getresult', errcode, errmsg: 'x', retryable });
}

describe('RetryPolicy', () => {
  it('backs off exponentially with equal jitter: never sooner than half the ceiling, never later than it', () => {
    const soonest = new RetryPolicy(OPTIONS, () => 0);
    const latest = new RetryPolicy(OPTIONS, () => 0.999_999);
    const busy = failure(-1);
    expect([0, 1, 2, 3, 4].map((n) => soonest.delayMs(busy, n))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((n) => latest.delayMs(busy, n))).toEqual([99, 199, 399, 799, 999]);
  });

  it('waits out the whole 45009 window, plus at most 10 %', () => {
    const limited = failure(45009);
    expect(new RetryPolicy(OPTIONS, () => 0).delayMs(limited, 2)).toBe(60_000);
    expect(new RetryPolicy(OPTIONS, () => 0.999_999).delayMs(limited, 0)).toBe(65_999);
  });

  it('retries retryable WeCom failures up to maxRetries, never store failures or non-retryable ones', () => {
    const policy = new RetryPolicy(OPTIONS);
    expect(policy.shouldRetry(failure(-1), 2)).toBe(true);
    expect(policy.shouldRetry(failure(-1), 3)).toBe(false);
    expect(policy.shouldRetry(failure(null, 'transport'), 0)).toBe(true);
    expect(policy.shouldRetry(failure(null, 'store'), 0)).toBe(false);
    expect(policy.shouldRetry(failure(40088, 'api', false), 0)).toBe(false);
  });
});
