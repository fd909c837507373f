import { describe, expect, it } from '@jest/globals';
import {
  LOOKUP_BUDGET,
  LOOKUP_WINDOW_MS,
  UNKNOWN_CORP_MAX_ENTRIES,
  UNKNOWN_CORP_TTL_MS,
  UnknownCorps,
} from './unknown-corps.util.js';

describe('UnknownCorps (the callback route negative cache)', () => {
  it('remembers an unknown corp for the TTL, then forgets it', () => {
    let now = 1_000;
    const unknown = new UnknownCorps(() => now);
    unknown.add('wwghost');
    expect(unknown.has('wwghost')).toBe(true);
    now += UNKNOWN_CORP_TTL_MS - 1;
    expect(unknown.has('wwghost')).toBe(true);
    now += 1;
    expect(unknown.has('wwghost')).toBe(false);
  });

  it('budgets lookups per window and refills the budget in the next window', () => {
    let now = 0;
    const unknown = new UnknownCorps(() => now);
    const granted = Array.from({ length: LOOKUP_BUDGET + 10 }, () => unknown.mayLookUp()).filter(Boolean).length;
    expect(granted).toBe(LOOKUP_BUDGET);
    now += LOOKUP_WINDOW_MS;
    expect(unknown.mayLookUp()).toBe(true);
  });

  it('stays bounded: the oldest entries go first', () => {
    const unknown = new UnknownCorps(() => 0);
    for (let i = 0; i <= UNKNOWN_CORP_MAX_ENTRIES; i++) unknown.add(`ww${i}`);
    expect(unknown.has('ww0')).toBe(false);
    expect(unknown.has(`ww${UNKNOWN_CORP_MAX_ENTRIES}`)).toBe(true);
  });
});
