import { describe, expect, it } from '@jest/globals';
import { closestKey, editDistance } from './closest-key.util.js';

describe('closestKey', () => {
  const options = ['callback', 'callbackMaxBodyBytes', 'callbackReplayWindowSeconds', 'corpId', 'corpSecret'];

  it('finds the key one typo away, ignoring case', () => {
    expect(closestKey('callbak', options)).toBe('callback');
    expect(closestKey('corpid', options)).toBe('corpId');
    expect(closestKey('corpScret', options)).toBe('corpSecret');
  });

  it('finds a key the word starts (a missing unit suffix)', () => {
    expect(closestKey('callbackGrace', ['callbackGraceMs', 'initialIntervalMs'])).toBe('callbackGraceMs');
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('deprat', 'depart')).toBe(1);
    expect(closestKey('deparment', ['departments', 'position', 'email'])).toBe('departments');
  });

  it('suggests nothing when no key is close', () => {
    expect(closestKey('frobnicate', options)).toBeUndefined();
    expect(closestKey('xy', ['ab'])).toBeUndefined();
  });
});
