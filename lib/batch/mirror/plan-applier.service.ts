import { Inject, Injectable, Logger } from '@nestjs/common';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComFileTooLargeError } from '../../errors/wecom-file-too-large.error.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import type { DirectoryAccess, MirrorJobHandle } from './directory-access.types.js';
import type { ApplyPlanOptions, MirrorJobResult } from './mirror-options.types.js';
import type { DirectoryPlan } from './mirror-plan.types.js';
import { BATCH_DELETE_LIMIT, UserBatchDeleteApi } from './user-batch-delete.api.js';

/** What running a plan's jobs did. */
export interface AppliedJobs {
  jobs: MirrorJobResult[];
  /** True when every job ran with ErrCode 0 and no failed rows, and nothing was stopped. */
  applied: boolean;
  deletedByBatchDelete: number;
}

/**
 * Runs a plan's jobs in the order WeCom needs: the tree first (`replaceDepartments`: new departments exist before
 * members move in; departments still holding members stay), then the members (`syncUsers` of the created and changed
 * rows only when nothing is deleted; `replaceUsers` when members are deleted; `user/batchdelete` of exactly the
 * planned deletions plus `syncUsers` when a replace would be too large or refused by 45026), then — when a planned
 * department deletion had to wait for its members to leave — the tree once more. A job-level failure stops the run
 * (the result says which job); rows that failed are reported with their job.
 */
@Injectable()
export class PlanApplier {
  private readonly logger = new Logger(PlanApplier.name);

  constructor(@Inject(UserBatchDeleteApi) private readonly deletes: UserBatchDeleteApi) {}

  async run(access: DirectoryAccess, plan: DirectoryPlan, options: ApplyPlanOptions): Promise<AppliedJobs> {
    const jobs: MirrorJobResult[] = [];
    const result = (stopped = false): AppliedJobs => ({
      jobs,
      applied: !stopped && jobs.every((j) => j.errCode === 0 && j.failedRows === 0),
      deletedByBatchDelete: jobs.reduce((n, j) => n + (j.deleted ?? 0), 0),
    });
    const departments = plan.desired.departments;
    if (plan.strategy.departments === 'replace_party' && departments) {
      if (!(await this.job(jobs, access.replaceDepartments({ departments }), options))) return result(true);
    }
    const members = plan.members;
    const toInvite = options.toInvite === undefined ? {} : { toInvite: options.toInvite };
    let strategy = plan.strategy.members;
    if (strategy === 'replace_user' && plan.desired.users) {
      try {
        if (!(await this.job(jobs, access.replaceUsers({ users: plan.desired.users }, toInvite), options))) {
          return result(true);
        }
      } catch (error) {
        // Refused before anything was uploaded: apply the same changes the split way (never a replace).
        if (!(error instanceof WeComFileTooLargeError)) throw error;
        this.logger.log('the replace file is over the media limit: applying by user/batchdelete + split syncuser');
        strategy = 'sync_user+batchdelete';
      }
    }
    if (strategy === 'sync_user+batchdelete' && members) {
      if (
        !(await this.batchDelete(
          jobs,
          members.deletes.map((d) => d.userid),
        ))
      )
        return result(true);
    }
    if ((strategy === 'sync_user' || strategy === 'sync_user+batchdelete') && members) {
      const rows = changedRows(plan);
      if (rows.length && !(await this.job(jobs, access.syncUsers({ users: rows }, toInvite), options))) {
        return result(true);
      }
    }
    if (plan.strategy.departments === 'replace_party' && departments && (await this.deletionsLeft(access, plan))) {
      // WeCom deletes a department only once it is empty: the members have left now, so the tree once more.
      if (!(await this.job(jobs, access.replaceDepartments({ departments }), options))) return result(true);
    }
    return result();
  }

  /** Waits for a job; false when it failed as a whole (ErrCode ≠ 0), which stops the run. */
  private async job(
    jobs: MirrorJobResult[],
    submitted: Promise<MirrorJobHandle>,
    options: ApplyPlanOptions,
  ): Promise<boolean> {
    const job = await submitted;
    const completed = await job.wait(
      options.jobTimeoutMs === undefined ? undefined : { timeoutMs: options.jobTimeoutMs },
    );
    jobs.push({
      jobType: job.jobType as MirrorJobResult['jobType'],
      jobId: job.jobId,
      errCode: completed.errCode,
      failedRows: completed.failedRows,
      completed,
    });
    return completed.errCode === 0;
  }

  /** `user/batchdelete` of exactly the planned deletions, 200 a call; a refused call stops the run. */
  private async batchDelete(jobs: MirrorJobResult[], userids: readonly string[]): Promise<boolean> {
    if (!userids.length) return true;
    const entry: MirrorJobResult = { jobType: 'batchdelete', errCode: 0, failedRows: 0, deleted: 0 };
    jobs.push(entry);
    for (let i = 0; i < userids.length; i += BATCH_DELETE_LIMIT) {
      const chunk = userids.slice(i, i + BATCH_DELETE_LIMIT);
      try {
        await this.deletes.deleteChunk(chunk);
      } catch (error) {
        if (!(error instanceof WeComApiError)) throw error;
        entry.errCode = error.errcode ?? -1;
        entry.failedRows = userids.length - entry.deleted!;
        this.logger.warn(
          `user/batchdelete failed after ${entry.deleted} of ${userids.length} deletions: errcode ${entry.errCode}`,
        );
        return false;
      }
      entry.deleted! += chunk.length;
    }
    return true;
  }

  /** True when a department the plan deletes (and does not report blocked) still exists. */
  private async deletionsLeft(access: DirectoryAccess, plan: DirectoryPlan): Promise<boolean> {
    const planned = plan.departments?.deletes.filter((d) => !d.blocked).map((d) => d.id) ?? [];
    if (!planned.length) return false;
    const ids = new Set((await access.listDepartmentIds()).map((d) => d.id));
    return planned.some((id) => ids.has(id));
  }
}

/** The desired rows of the members the plan creates, updates or moves (a sync needs no others). */
export function changedRows(plan: DirectoryPlan): MemberRow[] {
  const m = plan.members;
  if (!m || !plan.desired.users) return [];
  const keys = new Set<string>();
  for (const list of [m.creates, m.updates, m.moves]) for (const entry of list) keys.add(entry.userid.toLowerCase());
  return plan.desired.users.filter((row) => keys.has(row.userid.toLowerCase()));
}
