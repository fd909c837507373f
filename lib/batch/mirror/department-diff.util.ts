import { SliceClock } from '../rows/row-steps.util.js';
import { DEPARTMENT_FIELD_LABELS, type ComparableDepartment, type ComparableMember } from './comparable.util.js';
import type { NotComparedCounter } from './member-compare.util.js';
import type { DepartmentPlan, FieldChange } from './mirror-plan.types.js';

/** The root department: never deleted, never moved. */
const ROOT = 1;

/**
 * Compares the desired tree with WeCom's: creates, renames / reorders (field by field), moves (a new parent — only
 * the top of a moved subtree is listed, its children keep their parent), deletes (with how many members would still
 * be in each, see `membersAfter`). Yields when `clock` says so.
 */
export function* diffDepartments(
  desired: readonly ComparableDepartment[],
  current: ReadonlyMap<number, ComparableDepartment>,
  membersAfter: (departmentIds: ReadonlySet<number>) => Map<number, number>,
  idsOnly: boolean,
  notCompared: NotComparedCounter,
  clock: SliceClock,
): Generator<void, DepartmentPlan, void> {
  const plan: DepartmentPlan = {
    creates: [],
    updates: [],
    moves: [],
    deletes: [],
    unchanged: 0,
    current: current.size,
    desired: 0,
  };
  const desiredIds = new Set<number>();
  for (const want of desired) {
    if (clock.due()) {
      yield;
      clock.restart();
    }
    desiredIds.add(want.id);
    const have = current.get(want.id);
    if (!have) {
      plan.creates.push({ id: want.id, name: want.name ?? '', parentId: want.parentId });
      continue;
    }
    const changes: FieldChange[] = [];
    if (idsOnly) notCompared.add('department', 'name', DEPARTMENT_FIELD_LABELS.name, 'detail-reads-restricted');
    else if (want.name !== undefined && (have.name ?? '').trim() !== want.name.trim()) {
      changes.push({ field: 'name', label: DEPARTMENT_FIELD_LABELS.name, from: have.name ?? null, to: want.name });
    }
    // Order 0 or omitted leaves WeCom's order as it is (the import's rule), so it is no change.
    if (want.order !== undefined && want.order !== 0 && want.order !== have.order) {
      changes.push({ field: 'order', label: DEPARTMENT_FIELD_LABELS.order, from: have.order ?? null, to: want.order });
    }
    const moved = want.id !== ROOT && have.parentId !== want.parentId;
    if (changes.length) plan.updates.push({ id: want.id, ...nameOf(have, want), changes });
    if (moved) plan.moves.push({ id: want.id, ...nameOf(have, want), from: have.parentId, to: want.parentId });
    if (!changes.length && !moved) plan.unchanged++;
  }
  // The desired count includes the root, which always exists, whether or not it was listed.
  plan.desired = desiredIds.size + (desiredIds.has(ROOT) || !current.has(ROOT) ? 0 : 1);
  if (!desiredIds.has(ROOT) && current.has(ROOT)) plan.unchanged++;
  const gone = new Set<number>();
  for (const id of current.keys()) if (id !== ROOT && !desiredIds.has(id)) gone.add(id);
  const left = gone.size ? membersAfter(gone) : new Map<number, number>();
  for (const id of gone) {
    const have = current.get(id)!;
    const membersLeft = left.get(id) ?? 0;
    plan.deletes.push({
      id,
      ...(have.name === undefined ? {} : { name: have.name }),
      parentId: have.parentId,
      membersLeft,
      blocked: membersLeft > 0,
    });
  }
  plan.deletes.sort((a, b) => a.id - b.id);
  return plan;
}

function nameOf(have: ComparableDepartment, want: ComparableDepartment): { name?: string } {
  const name = want.name ?? have.name;
  return name === undefined ? {} : { name };
}

/**
 * Members per department once the plan ran, for the departments in `ids`: a desired member counts in its desired
 * departments, a deleted member nowhere, and — when no desired members were given — every member stays where it is.
 */
export function countMembersAfter(
  ids: ReadonlySet<number>,
  current: ReadonlyMap<string, ComparableMember>,
  desired: ReadonlyMap<string, ComparableMember> | undefined,
): Map<number, number> {
  const counts = new Map<number, number>();
  const count = (departments: readonly number[]) => {
    for (const id of departments) if (ids.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  };
  if (desired) for (const member of desired.values()) count(member.departments);
  else for (const member of current.values()) count(member.departments);
  return counts;
}
