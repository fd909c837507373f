import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import { WeComMirrorGuardError } from '../../errors/wecom-mirror-guard.error.js';
import { WeComMirrorStalePlanError, type StalePlanAspect } from '../../errors/wecom-mirror-stale-plan.error.js';
import { WeComRowValidationError } from '../../errors/wecom-row-validation.error.js';
import { MirrorAppliedEvent } from '../../events/mirror-applied.event.js';
import { MirrorPlannedEvent, type MirrorCounts } from '../../events/mirror-planned.event.js';
import { WECOM_BATCH_EVENTS } from '../../events/wecom-batch.events.js';
import { emitSafely } from '../../internal/emit.util.js';
import { WECOM_BATCH_EMITTER, WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { runSliced } from '../rows/row-steps.util.js';
import { validateDepartmentRows, validateMemberRows } from '../rows/validate-rows.util.js';
import { checkGuards, resolveGuardOptions } from './deletion-guard.util.js';
import type { DirectoryAccess } from './directory-access.types.js';
import { diffDirectory } from './directory-differ.util.js';
import { readCurrentDirectory, readFingerprint } from './directory-reader.util.js';
import type {
  ApplyPlanOptions,
  MirrorDirectoryOptions,
  MirrorResult,
  PlanDirectoryOptions,
} from './mirror-options.types.js';
import { MIRROR_DEFAULTS } from './mirror-options.types.js';
import type { DesiredDirectory, DirectoryDrift, DirectoryPlan, PlanSection } from './mirror-plan.types.js';
import { PlanApplier } from './plan-applier.service.js';

/**
 * Plans and mirrors a desired directory into WeCom — `BatchService.planDirectory` / `applyPlan` /
 * `mirrorDirectory` delegate here, passing themselves as the {@link DirectoryAccess} (so a `forCorp` service plans
 * its own corp). Plan: validate the desired rows as `syncUsers` does, read WeCom's directory (exports, or ID lists
 * after 48009), compare. Apply: check the deletion limits, re-read the ids and refuse a stale plan, run the jobs
 * (`PlanApplier`), read again and report the drift.
 */
@Injectable()
export class DirectoryMirror {
  private readonly logger = new Logger(DirectoryMirror.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(PlanApplier) private readonly applier: PlanApplier,
    @Inject(WECOM_BATCH_EMITTER) private readonly events: EventEmitter2,
  ) {}

  /** See `BatchService.planDirectory`. */
  async plan(
    access: DirectoryAccess,
    desired: DesiredDirectory,
    options: PlanDirectoryOptions = {},
  ): Promise<DirectoryPlan> {
    const started = Date.now();
    resolveGuardOptions(options);
    if (!desired || (desired.users === undefined && desired.departments === undefined)) {
      throw new WeComInvalidRequestError('desired', 'give departments, users or both');
    }
    const users = desired.users === undefined ? undefined : [...desired.users];
    const departments = desired.departments === undefined ? undefined : [...desired.departments];
    await this.validate(users, departments);
    const plan = await this.compare(access, users, departments, options);
    const violations = checkGuards(plan, options).map((v) => v.limit);
    this.logger.log(`planned ${plan.corpId}: ${summary(plan)}`);
    emitSafely(
      this.events,
      this.logger,
      WECOM_BATCH_EVENTS.MIRROR_PLANNED,
      new MirrorPlannedEvent({
        corpId: plan.corpId,
        source: plan.source,
        ...(plan.members ? { members: counts(plan.members) } : {}),
        ...(plan.departments ? { departments: counts(plan.departments) } : {}),
        notCompared: plan.notCompared.reduce((n, f) => n + f.count, 0),
        deletionGuard: { wouldTrigger: plan.deletionGuard.wouldTrigger, rule: plan.deletionGuard.rule },
        guardViolations: violations,
        durationMs: Date.now() - started,
      }),
    );
    return plan;
  }

  /** See `BatchService.applyPlan`. */
  async apply(access: DirectoryAccess, plan: DirectoryPlan, options: ApplyPlanOptions = {}): Promise<MirrorResult> {
    const started = Date.now();
    resolveGuardOptions(options);
    this.checkPlan(access, plan);
    const violations = checkGuards(plan, options);
    if (violations.length) {
      throw new WeComMirrorGuardError(
        violations,
        plan.members?.deletes.map((d) => d.userid) ?? [],
        plan.members?.current ?? 0,
      );
    }
    let run = { jobs: [] as MirrorResult['jobs'], applied: true, deletedByBatchDelete: 0 };
    if (!plan.empty) {
      await this.checkUnchanged(access, plan);
      run = await this.applier.run(access, plan, options);
    }
    const drift = (options.verify ?? MIRROR_DEFAULTS.verify) ? await this.drift(access, plan) : undefined;
    const result: MirrorResult = { plan, jobs: run.jobs, applied: run.applied, ...(drift ? { drift } : {}) };
    this.logger.log(
      `applied the plan of ${plan.corpId}: ${run.jobs.length} job(s), ${run.applied ? 'all ran' : 'NOT all ran'}` +
        (drift ? `, drift ${drift.empty ? 'empty' : 'NOT empty'}` : ''),
    );
    emitSafely(
      this.events,
      this.logger,
      WECOM_BATCH_EVENTS.MIRROR_APPLIED,
      new MirrorAppliedEvent({
        corpId: plan.corpId,
        jobs: run.jobs.map(({ jobType, jobId, errCode, failedRows }) => ({
          jobType,
          ...(jobId ? { jobId } : {}),
          errCode,
          failedRows,
        })),
        applied: run.applied,
        deletedByBatchDelete: run.deletedByBatchDelete,
        ...(drift
          ? {
              drift: {
                empty: drift.empty,
                ...(drift.members ? { members: counts(drift.members) } : {}),
                ...(drift.departments ? { departments: counts(drift.departments) } : {}),
              },
            }
          : {}),
        durationMs: Date.now() - started,
      }),
    );
    return result;
  }

  /** See `BatchService.mirrorDirectory`. */
  async mirror(
    access: DirectoryAccess,
    desired: DesiredDirectory,
    options: MirrorDirectoryOptions = {},
  ): Promise<MirrorResult> {
    const plan = await this.plan(access, desired, options);
    if (options.dryRun ?? MIRROR_DEFAULTS.dryRun) {
      const refused = checkGuards(plan, options).map(
        (v) => `${v.limit}: ${v.actual} (allowed ${v.allowed}) — ${v.howToAllow}`,
      );
      return { plan, jobs: [], applied: false, refused };
    }
    return this.apply(access, plan, options);
  }

  /** The same checks as `syncUsers` / `replaceDepartments`, same errors, before anything is read or sent. */
  private async validate(users: MemberRow[] | undefined, departments: DepartmentRow[] | undefined): Promise<void> {
    const check = { allowCsvQuoting: !!this.options.allowCsvQuoting };
    if (departments) {
      const problems = await validateDepartmentRows(departments, check);
      if (problems.length) throw new WeComRowValidationError('department', problems, departments.length);
    }
    if (users) {
      const problems = await validateMemberRows(users, check);
      if (problems.length) throw new WeComRowValidationError('member', problems, users.length);
    }
  }

  private async compare(
    access: DirectoryAccess,
    users: MemberRow[] | undefined,
    departments: DepartmentRow[] | undefined,
    options: Pick<PlanDirectoryOptions, 'blockSize' | 'exactDeletes'>,
  ): Promise<DirectoryPlan> {
    const current = await readCurrentDirectory(access, {
      withUsers: users !== undefined,
      blockSize: options.blockSize,
    });
    const { mediaLimitBytes } = this.options;
    const exactDeletes = options.exactDeletes ?? MIRROR_DEFAULTS.exactDeletes;
    return runSliced(
      diffDirectory({ corpId: access.corpId, current, users, departments, mediaLimitBytes, exactDeletes }),
    );
  }

  /** Reads the directory again and compares it with the plan's desired state. */
  private async drift(access: DirectoryAccess, plan: DirectoryPlan): Promise<DirectoryDrift> {
    const again = await this.compare(access, plan.desired.users, plan.desired.departments, {});
    return {
      empty: again.empty,
      ...(again.members ? { members: again.members } : {}),
      ...(again.departments ? { departments: again.departments } : {}),
      notCompared: again.notCompared,
    };
  }

  /** A plan of another corp, of another format, or hand-edited into something else is refused, nothing sent. */
  private checkPlan(access: DirectoryAccess, plan: DirectoryPlan): void {
    if (!plan || plan.version !== 1 || !plan.basis || !plan.strategy || !plan.desired) {
      throw new WeComInvalidRequestError(
        'plan',
        'is not a DirectoryPlan of this version (compute it with planDirectory)',
      );
    }
    if (plan.corpId !== access.corpId) {
      throw new WeComInvalidRequestError('plan', `was computed for corp ${plan.corpId}, not for ${access.corpId}`);
    }
  }

  /** The cheap re-read: refuses the plan when members, memberships or the tree changed since it was computed. */
  private async checkUnchanged(access: DirectoryAccess, plan: DirectoryPlan): Promise<void> {
    const now = await readFingerprint(access);
    const changed: StalePlanAspect[] = (['memberIds', 'memberships', 'tree'] as const).filter(
      (k) => now[k] !== plan.basis[k],
    );
    if (changed.length) {
      throw new WeComMirrorStalePlanError(
        changed,
        { members: plan.basis.members, departments: plan.basis.departments },
        { members: now.members, departments: now.departments },
        plan.computedAt,
      );
    }
  }
}

function counts(section: PlanSection<unknown, unknown, unknown, unknown>): MirrorCounts {
  return {
    creates: section.creates.length,
    updates: section.updates.length,
    moves: section.moves.length,
    deletes: section.deletes.length,
    unchanged: section.unchanged,
  };
}

function summary(plan: DirectoryPlan): string {
  const part = (label: string, s?: PlanSection<unknown, unknown, unknown, unknown>) => {
    if (!s) return undefined;
    const c = counts(s);
    return `${label} +${c.creates} ~${c.updates} >${c.moves} -${c.deletes} =${c.unchanged}`;
  };
  return [part('members', plan.members), part('departments', plan.departments)].filter(Boolean).join(', ');
}
