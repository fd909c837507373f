import { describe, expect, it } from '@jest/globals';
import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import { checkGuards, predictDeletionGuard } from './deletion-guard.util.js';
import type { DirectoryPlan } from './mirror-plan.types.js';

describe('predictDeletionGuard (45026, the rule the simulator applies)', () => {
  it.each([
    // deletions, headcount, fires, rule
    [50, 200, false, null], // exactly 50: neither "more than 50" nor "fewer than 50"
    [51, 200, true, 'over-50-and-20-percent'],
    [60, 300, false, null], // exactly 20 %
    [61, 300, true, 'over-50-and-20-percent'], // 20.3 %
    [63, 300, true, 'over-50-and-20-percent'], // 21 %
    [51, 1000, false, null], // more than 50 but only 5.1 %
    [8, 10, false, null], // exactly 80 % of a small corp
    [9, 10, true, 'small-corp-80-percent'],
    [49, 60, true, 'small-corp-80-percent'], // 81.7 %
    [48, 60, false, null], // exactly 80 %
    [50, 55, false, null], // 50 deletions: the small-corp rule needs fewer than 50
    [0, 0, false, null],
  ])('%i of %i members → fires: %s (%s)', (deletions, headcount, fires, rule) => {
    const prediction = predictDeletionGuard(deletions, headcount);
    expect(prediction.wouldTrigger).toBe(fires);
    expect(prediction.rule).toBe(rule);
    expect(prediction.explanation).toContain(`${deletions} of ${headcount} members`);
  });
});

describe('checkGuards', () => {
  const planWith = (deletes: string[], current: number) =>
    ({
      members: { deletes: deletes.map((userid) => ({ userid, departments: [1] })), current },
    }) as unknown as DirectoryPlan;
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

  it('passes a few deletions under the defaults (50, 10 %)', () => {
    expect(checkGuards(planWith(ids(10), 200), {})).toEqual([]);
  });

  it('refuses a mass deletion by default, saying which limit and how to allow it', () => {
    const violations = checkGuards(planWith(ids(60), 1000), {});
    expect(violations.map((v) => v.limit)).toEqual(['maxDeletes']);
    expect(violations[0]).toMatchObject({
      allowed: 50,
      actual: 60,
      howToAllow: 'pass { maxDeletes: 60 } if these deletions are intended',
    });
    expect(checkGuards(planWith(ids(60), 1000), { maxDeletes: 60 })).toEqual([]);
  });

  it('refuses a share of the corp over maxDeletePercent', () => {
    const violations = checkGuards(planWith(ids(3), 20), {});
    expect(violations).toMatchObject([{ limit: 'maxDeletePercent', allowed: 10, actual: 15 }]);
    expect(checkGuards(planWith(ids(3), 20), { maxDeletePercent: 15 })).toEqual([]);
  });

  it('refuses deleting a protected userid (ignoring case) whatever the other limits', () => {
    const violations = checkGuards(planWith(['Admin', 'u1'], 1000), {
      protectedUserIds: ['admin'],
      maxDeletes: Infinity,
    });
    expect(violations).toMatchObject([{ limit: 'protectedUserIds', userids: ['Admin'] }]);
  });

  it('rejects a misspelt option name, with the one it probably meant', () => {
    expect(() => checkGuards(planWith([], 10), { protectedUserId: ['admin'] } as never)).toThrow(
      'protectedUserId: is not an option of the mirror (did you mean protectedUserIds?)',
    );
  });

  it('rejects a misspelt limit instead of ignoring it', () => {
    expect(() => checkGuards(planWith([], 10), { maxDeletes: -1 })).toThrow(WeComInvalidRequestError);
    expect(() => checkGuards(planWith([], 10), { maxDeletePercent: 150 })).toThrow(/maxDeletePercent/);
  });
});
