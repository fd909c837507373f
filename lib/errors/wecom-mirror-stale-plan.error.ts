import { WeComBatchError } from './wecom-batch.error.js';

/** What the re-read before an apply found different from the plan's basis. */
export type StalePlanAspect = 'memberIds' | 'memberships' | 'tree';

/**
 * The directory changed since the plan was computed in a way that matters — members appeared or went, a member's
 * departments changed, or the department tree changed — so applying the plan could delete or move what was never
 * shown. Thrown by `applyPlan` before anything is uploaded. Compute a new plan (`planDirectory`) and apply that.
 */
export class WeComMirrorStalePlanError extends WeComBatchError {
  constructor(
    /** What differs. */
    readonly changed: readonly StalePlanAspect[],
    /** Member and department counts when the plan was computed. */
    readonly planned: { members: number; departments: number },
    /** The same counts now. */
    readonly now: { members: number; departments: number },
    /** When the plan was computed (ISO). */
    readonly computedAt: string,
  ) {
    const words: Record<StalePlanAspect, string> = {
      memberIds: 'members were added or removed',
      memberships: "members' departments changed",
      tree: 'the department tree changed',
    };
    super(
      `the directory changed since the plan was computed at ${computedAt} (${changed.map((c) => words[c]).join('; ')}: ` +
        `${planned.members} → ${now.members} members, ${planned.departments} → ${now.departments} departments); ` +
        'nothing was uploaded — compute a new plan with planDirectory and apply that one',
    );
  }
}
