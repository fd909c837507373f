import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { DirectoryDrift, DirectoryPlan } from './mirror-plan.types.js';

/**
 * The deletion limits of a plan (`planDirectory` reports them, `applyPlan` / `mirrorDirectory` enforce them).
 * A plan that breaks one is refused with `WeComMirrorGuardError` before anything is uploaded. The defaults refuse a
 * mass deletion on purpose: a nightly mirror normally removes a handful of leavers, while a wrong filter in the HR
 * query shows up as many deletions at once — and WeCom's own guard (45026) only stops a replace above 50 members and
 * 20 %. Raise them for the run that really needs it.
 */
export interface MirrorGuardOptions {
  /**
   * Most members one apply may delete. 50 is where WeCom's own guard starts counting; `Infinity` disables the limit.
   * @default 50
   */
  maxDeletes?: number;
  /**
   * Most members one apply may delete, as a percentage of the members WeCom has now (0–100). Half of WeCom's 20 %;
   * it also refuses what WeCom's small-corp rule would let through (up to 80 % of a corp under 50 deletions).
   * @default 10
   */
  maxDeletePercent?: number;
  /**
   * Userids never deleted (compared ignoring case) — e.g. the corp's creator and admins, who are rarely in the HR
   * export. A plan that would delete one is refused: add them to the desired users, or remove them here.
   * @default []
   */
  protectedUserIds?: readonly string[];
}

/** Options of `planDirectory`. */
export interface PlanDirectoryOptions extends MirrorGuardOptions {
  /**
   * `blockSize` of the exports the plan reads (members per file; see `exportUsers`).
   * @default the export's own default
   */
  blockSize?: number;
  /**
   * Delete members only by `user/batchdelete` of exactly the planned deletions (plus `syncUsers` of the changed rows),
   * never by `replaceUsers`. A replace deletes whoever is missing from its file when WeCom runs it: a member added by
   * hand after the apply's re-check (while the job waits for the corp's import slot) would go too. Set it where
   * others edit the directory at the same time; it costs one call per 200 deletions.
   * @default false
   */
  exactDeletes?: boolean;
}

/** Options of `applyPlan`. */
export interface ApplyPlanOptions extends MirrorGuardOptions {
  /**
   * Invite created members to WeCom (`to_invite` of the member import). Omitted: WeCom's default, which is `true`.
   * @default WeCom's default (true)
   */
  toInvite?: boolean;
  /**
   * Read the directory again after the jobs and report what still differs (`MirrorResult.drift`; empty is the
   * proof the mirror worked). Costs one more export of each kind.
   * @default true
   */
  verify?: boolean;
  /**
   * Longest wait for each job.
   * @default polling.timeoutMs (2 h)
   */
  jobTimeoutMs?: number;
}

/** Options of `mirrorDirectory` (plan, then apply). */
export interface MirrorDirectoryOptions extends ApplyPlanOptions, PlanDirectoryOptions {
  /**
   * Plan only: nothing is uploaded or deleted, the result has the plan and no jobs (guard breaks are reported
   * in `result.refused`, not thrown).
   * @default false
   */
  dryRun?: boolean;
}

/** One WeCom job or call the apply ran. */
export interface MirrorJobResult {
  /** `replace_party`, `sync_user`, `replace_user`, or `batchdelete` (synchronous `user/batchdelete` calls). */
  jobType: 'replace_party' | 'sync_user' | 'replace_user' | 'batchdelete';
  /** WeCom's job id (absent for `batchdelete`). */
  jobId?: string;
  /** Job-level result: 0 when it ran. */
  errCode: number;
  /** Rows of the job that failed (see `completed.result`). */
  failedRows: number;
  /** Members deleted (`batchdelete` only). */
  deleted?: number;
  /** The job's completed-event payload, with its per-row results (absent for `batchdelete`). */
  completed?: BatchJobCompletedEvent;
}

/** What `applyPlan` / `mirrorDirectory` did. */
export interface MirrorResult {
  plan: DirectoryPlan;
  /** Jobs and calls in the order they ran (empty for a dry run or an empty plan). */
  jobs: MirrorJobResult[];
  /** True when every job ran with ErrCode 0 and no failed rows (a dry run is not applied: false). */
  applied: boolean;
  /** What still differs after the apply (absent with `verify: false` or a dry run). */
  drift?: DirectoryDrift;
  /** Dry run only: the guard breaks an apply would be refused for (empty when it would pass). */
  refused?: string[];
}

/**
 * Per-call defaults of the mirror options (they are not module options: each call states its own limits). A
 * spec checks the `@default` tags above against it.
 */
export const MIRROR_DEFAULTS = Object.freeze({
  maxDeletes: 50,
  maxDeletePercent: 10,
  protectedUserIds: Object.freeze([]) as readonly string[],
  verify: true,
  dryRun: false,
  exactDeletes: false,
});
