import { describe, expect, it } from '@jest/globals';
import { BoundedSet } from './bounded-set.util.js';

describe('BoundedSet', () => {
  it('keeps at most its capacity, forgetting the oldest first', () => {
    const set = new BoundedSet<string>(3);
    for (const v of ['a', 'b', 'c', 'd']) set.add(v);
    expect([...set]).toEqual(['b', 'c', 'd']);
    expect(set.has('a')).toBe(false);
    expect(set.size).toBe(3);
  });

  it('makes a re-added member the newest, so it is forgotten last', () => {
    const set = new BoundedSet<string>(2);
    set.add('a');
    set.add('b');
    set.add('a');
    set.add('c');
    expect([...set]).toEqual(['a', 'c']);
  });

  it('allows deleting while iterating', () => {
    const set = new BoundedSet<number>(10);
    for (let i = 0; i < 6; i++) set.add(i);
    for (const v of set) if (v % 2 === 0) set.delete(v);
    expect([...set]).toEqual([1, 3, 5]);
  });
});
