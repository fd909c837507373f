import { BatchDirectoryMethods } from '../export/batch-directory.methods.js';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import type { MirrorJobHandle } from './directory-access.types.js';
import type { DirectoryMirror } from './directory-mirror.service.js';
import type {
  ApplyPlanOptions,
  MirrorDirectoryOptions,
  MirrorResult,
  PlanDirectoryOptions,
} from './mirror-options.types.js';
import type { DesiredDirectory, DirectoryPlan } from './mirror-plan.types.js';

/**
 * The planning and mirroring methods of `BatchService` (it extends this class, which extends the directory-reading
 * methods): one-line delegations to {@link DirectoryMirror}, which reads and imports through this service.
 */
export abstract class BatchMirrorMethods extends BatchDirectoryMethods {
  /** Where the work is done (the subclass injects it). */
  protected abstract readonly mirror: DirectoryMirror;
  abstract readonly corpId: string;
  abstract syncUsers(
    source: { users: Iterable<MemberRow> },
    options?: { toInvite?: boolean },
  ): Promise<MirrorJobHandle>;
  abstract replaceUsers(
    source: { users: Iterable<MemberRow> },
    options?: { toInvite?: boolean },
  ): Promise<MirrorJobHandle>;
  abstract replaceDepartments(source: { departments: Iterable<DepartmentRow> }): Promise<MirrorJobHandle>;

  /**
   * What making WeCom's directory equal `desired` would do — like `terraform plan`: creates, updates field by
   * field (from → to), moves, deletes and the unchanged count, for members and departments; the fields that could
   * not be compared (withheld by WeCom, or 48009); WeCom's 45026 prediction with the rule applied; how it would be
   * applied. Nothing is changed. Print it with `renderDirectoryPlan(plan)`, apply it with `applyPlan(plan)`.
   * @throws WeComRowValidationError (the same problems `syncUsers` / `replaceDepartments` would report), before any call
   */
  planDirectory(desired: DesiredDirectory, options?: PlanDirectoryOptions): Promise<DirectoryPlan> {
    return this.mirror.plan(this, desired, options);
  }

  /**
   * Applies a plan the cheapest safe way (see `DirectoryPlan.strategy`), after checking the deletion limits and
   * that the directory did not change since the plan; then reads the directory again (`verify`) and reports the
   * drift — empty when WeCom's directory equals the desired one.
   * @throws WeComMirrorGuardError when a deletion limit is broken — before anything is uploaded
   * @throws WeComMirrorStalePlanError when members, memberships or the tree changed since the plan — nothing uploaded
   */
  applyPlan(plan: DirectoryPlan, options?: ApplyPlanOptions): Promise<MirrorResult> {
    return this.mirror.apply(this, plan, options);
  }

  /**
   * `planDirectory`, then `applyPlan` of that plan (or the plan alone with `dryRun`).
   * @throws what `planDirectory` and `applyPlan` throw (a dry run reports guard breaks in `result.refused` instead)
   */
  mirrorDirectory(desired: DesiredDirectory, options?: MirrorDirectoryOptions): Promise<MirrorResult> {
    return this.mirror.mirror(this, desired, options);
  }
}
