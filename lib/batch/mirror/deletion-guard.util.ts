import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import { closestKey } from '../../internal/closest-key.util.js';
import type { MirrorGuardViolation } from '../../errors/wecom-mirror-guard.error.js';
import { MIRROR_DEFAULTS, type MirrorGuardOptions } from './mirror-options.types.js';
import type { DeletionGuardPrediction, DirectoryPlan } from './mirror-plan.types.js';

/** WeCom's thresholds (wecom-export-api.md §7), the same numbers the simulator applies. */
const GUARD_COUNT = 50;
const GUARD_SHARE = 0.2;
const SMALL_CORP_SHARE = 0.8;

/**
 * Predicts WeCom's replaceuser deletion guard (45026) for `deletions` out of `headcount` members: refused when more
 * than 50 and more than 20 %, or — below 50 deletions — more than 80 %. Exactly 50 deletions trip neither branch.
 */
export function predictDeletionGuard(deletions: number, headcount: number): DeletionGuardPrediction {
  const percent = headcount === 0 ? 0 : Math.round((deletions / headcount) * 1000) / 10;
  const figures = `${deletions} of ${headcount} members (${percent} %)`;
  if (deletions > GUARD_COUNT && deletions > GUARD_SHARE * headcount) {
    return {
      wouldTrigger: true,
      rule: 'over-50-and-20-percent',
      deletions,
      headcount,
      percent,
      explanation: `a replace would delete ${figures}: more than 50 and more than 20 % — WeCom refuses it (45026)`,
    };
  }
  if (deletions < GUARD_COUNT && deletions > SMALL_CORP_SHARE * headcount) {
    return {
      wouldTrigger: true,
      rule: 'small-corp-80-percent',
      deletions,
      headcount,
      percent,
      explanation: `a replace would delete ${figures}: fewer than 50 but more than 80 % — WeCom refuses it (45026)`,
    };
  }
  return {
    wouldTrigger: false,
    rule: null,
    deletions,
    headcount,
    percent,
    explanation:
      `a replace would delete ${figures}: WeCom's guard (45026: more than 50 and more than 20 %, or below 50 ` +
      'deletions more than 80 %) does not fire',
  };
}

/** Every option `planDirectory`, `applyPlan` and `mirrorDirectory` know (they pass their options on to each other). */
const MIRROR_OPTION_KEYS = [
  'maxDeletes',
  'maxDeletePercent',
  'protectedUserIds',
  'blockSize',
  'exactDeletes',
  'toInvite',
  'verify',
  'jobTimeoutMs',
  'dryRun',
] as const;

/**
 * Refuses an option the mirror does not know: a misspelt `maxDelete: 500` ignored would leave the default limit in
 * place at best — and a misspelt `protectedUserId` would protect nobody.
 */
export function checkOptionKeys(options: object | undefined): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw new WeComInvalidRequestError('options', 'must be an object');
  for (const key of Object.keys(options)) {
    if ((MIRROR_OPTION_KEYS as readonly string[]).includes(key)) continue;
    const hint = closestKey(key, MIRROR_OPTION_KEYS);
    throw new WeComInvalidRequestError(key, `is not an option of the mirror${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
}

/** The guard options with their defaults filled in, checked (a typo'd limit must not silently allow everything). */
export function resolveGuardOptions(options: MirrorGuardOptions): Required<MirrorGuardOptions> {
  checkOptionKeys(options);
  const maxDeletes = options.maxDeletes ?? MIRROR_DEFAULTS.maxDeletes;
  const maxDeletePercent = options.maxDeletePercent ?? MIRROR_DEFAULTS.maxDeletePercent;
  if (!(maxDeletes >= 0) || (!Number.isInteger(maxDeletes) && maxDeletes !== Infinity)) {
    throw new WeComInvalidRequestError(
      'maxDeletes',
      `must be a whole number ≥ 0 or Infinity, got ${String(options.maxDeletes)}`,
    );
  }
  if (!(maxDeletePercent >= 0 && maxDeletePercent <= 100)) {
    throw new WeComInvalidRequestError(
      'maxDeletePercent',
      `must be a number in [0, 100], got ${String(options.maxDeletePercent)}`,
    );
  }
  const protectedUserIds = options.protectedUserIds ?? MIRROR_DEFAULTS.protectedUserIds;
  if (!Array.isArray(protectedUserIds) || protectedUserIds.some((id) => typeof id !== 'string')) {
    throw new WeComInvalidRequestError('protectedUserIds', 'must be an array of userids');
  }
  return { maxDeletes, maxDeletePercent, protectedUserIds };
}

/** Every limit the plan's member deletions break (empty: the plan may be applied). */
export function checkGuards(plan: DirectoryPlan, options: MirrorGuardOptions): MirrorGuardViolation[] {
  const limits = resolveGuardOptions(options);
  const deletes = plan.members?.deletes ?? [];
  const violations: MirrorGuardViolation[] = [];
  const all = deletes.map((d) => d.userid);
  const protectedIds = new Set(limits.protectedUserIds.map((id) => id.toLowerCase()));
  const hit = all.filter((id) => protectedIds.has(id.toLowerCase()));
  if (hit.length > 0) {
    violations.push({
      limit: 'protectedUserIds',
      allowed: 0,
      actual: hit.length,
      userids: hit,
      howToAllow: 'add them to the desired users, or remove them from protectedUserIds',
    });
  }
  if (deletes.length > limits.maxDeletes) {
    violations.push({
      limit: 'maxDeletes',
      allowed: limits.maxDeletes,
      actual: deletes.length,
      userids: all,
      howToAllow: `pass { maxDeletes: ${deletes.length} } if these deletions are intended`,
    });
  }
  const headcount = plan.members?.current ?? 0;
  const percent = headcount === 0 ? 0 : (deletes.length / headcount) * 100;
  if (percent > limits.maxDeletePercent) {
    violations.push({
      limit: 'maxDeletePercent',
      allowed: limits.maxDeletePercent,
      actual: Math.round(percent * 10) / 10,
      userids: all,
      howToAllow: `pass { maxDeletePercent: ${Math.ceil(percent)} } if these deletions are intended`,
    });
  }
  return violations;
}
