import { WeComBatchError } from './wecom-batch.error.js';

/** One deletion limit a plan breaks. */
export interface MirrorGuardViolation {
  /** The option that refused the plan. */
  limit: 'maxDeletes' | 'maxDeletePercent' | 'protectedUserIds';
  /** What the option allows (a count, a percentage, or 0 protected deletions). */
  allowed: number;
  /** What the plan would do (deletions, their percentage of the members, or protected members deleted). */
  actual: number;
  /** The deletions that break this limit (for the count limits: every planned deletion). */
  userids: string[];
  /** What to pass, or change, to allow it. */
  howToAllow: string;
}

/** How many userids the message spells out; `deletions` and `violations` always hold all of them. */
const MESSAGE_USERIDS = 20;

/**
 * A directory plan breaks a deletion limit (`maxDeletes`, `maxDeletePercent`, `protectedUserIds`). Thrown by
 * `applyPlan` / `mirrorDirectory` **before anything is uploaded**: nothing was changed in WeCom. The message lists
 * the limits, what each allows, and how to allow the deletions; it names members by userid only (never names,
 * mobiles or e-mails).
 *
 * ```ts
 * catch (e) {
 *   if (e instanceof WeComMirrorGuardError) for (const v of e.violations) console.log(v.limit, v.actual, v.howToAllow);
 * }
 * ```
 */
export class WeComMirrorGuardError extends WeComBatchError {
  constructor(
    /** Every limit broken. */
    readonly violations: readonly MirrorGuardViolation[],
    /** Userids of every planned deletion. */
    readonly deletions: readonly string[],
    /** Members WeCom has now. */
    readonly headcount: number,
  ) {
    super(summarise(violations, deletions, headcount));
  }
}

function summarise(
  violations: readonly MirrorGuardViolation[],
  deletions: readonly string[],
  headcount: number,
): string {
  const lines = violations.map((v) => {
    switch (v.limit) {
      case 'protectedUserIds':
        return `  - protectedUserIds: it would delete ${list(v.userids)} — ${v.howToAllow}`;
      case 'maxDeletes':
        return `  - maxDeletes ${v.allowed}: ${v.actual} deletions — ${v.howToAllow}`;
      default:
        return `  - maxDeletePercent ${v.allowed}: ${v.actual} % of the ${headcount} members — ${v.howToAllow}`;
    }
  });
  return (
    `the directory plan deletes ${deletions.length} of ${headcount} members and breaks ${violations.length} ` +
    `limit${violations.length === 1 ? '' : 's'}; nothing was uploaded:\n${lines.join('\n')}\n` +
    `  deletions: ${list(deletions)}`
  );
}

function list(userids: readonly string[]): string {
  const shown = userids.slice(0, MESSAGE_USERIDS).join(', ');
  return userids.length > MESSAGE_USERIDS ? `${shown} … and ${userids.length - MESSAGE_USERIDS} more` : shown;
}
