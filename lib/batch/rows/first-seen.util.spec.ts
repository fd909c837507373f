import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { FirstSeen } from './first-seen.util.js';

describe('FirstSeen', () => {
  it('answers -1 for a new key and the first row for a repeated one, as a Map of first rows would', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 300 }), (keys) => {
        const seen = new FirstSeen();
        const reference = new Map<string, number>();
        keys.forEach((key, row) => {
          const first = reference.get(key);
          expect(seen.firstOrAdd(key, row)).toBe(first ?? -1);
          if (first === undefined) reference.set(key, row);
        });
        expect(seen.size).toBe(reference.size);
      }),
    );
  });

  it('keeps every key through many growths (past its first table of 1,024 slots)', () => {
    const seen = new FirstSeen();
    for (let i = 0; i < 20_000; i++) expect(seen.firstOrAdd(`user${i}`, i)).toBe(-1);
    for (let i = 0; i < 20_000; i += 997) expect(seen.firstOrAdd(`user${i}`, 50_000 + i)).toBe(i);
    expect(seen.size).toBe(20_000);
  });

  it('tells apart keys that differ only in case or in one code unit, and the empty key', () => {
    const seen = new FirstSeen();
    expect(seen.firstOrAdd('Zhang', 0)).toBe(-1);
    expect(seen.firstOrAdd('zhang', 1)).toBe(-1);
    expect(seen.firstOrAdd('zhanh', 2)).toBe(-1);
    expect(seen.firstOrAdd('', 3)).toBe(-1);
    expect(seen.firstOrAdd('', 4)).toBe(3);
    expect(seen.firstOrAdd('zhang', 5)).toBe(1);
  });

  it('works the same when sized ahead with reserve', () => {
    const seen = new FirstSeen();
    seen.reserve(5_000);
    for (let i = 0; i < 5_000; i++) expect(seen.firstOrAdd(String(i), i)).toBe(-1);
    expect(seen.firstOrAdd('4999', 9_999)).toBe(4_999);
  });
});
