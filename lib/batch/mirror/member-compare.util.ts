import {
  genderOf,
  memberLabel,
  SCALAR_MEMBER_FIELDS,
  WITHHELD_FIELDS,
  type ComparableMember,
} from './comparable.util.js';
import type { FieldChange, NotComparedField, PlanValue } from './mirror-plan.types.js';

/** What a comparison needs to know besides the two members. */
export interface MemberCompareContext {
  /**
   * The apply replaces the members (replaceuser): a column the file carries but a row leaves empty clears the
   * member's value, so an absent desired value is compared as "empty". With syncuser it leaves the value alone.
   */
  clearsEmptyCells: boolean;
  /** Fields some desired row sets (the columns of the file); `extAttrs.<name>` for attributes. */
  columns: ReadonlySet<string>;
  /** The directory was read through the ID lists (48009): only the departments can be compared. */
  idsOnly: boolean;
  /** Counts the fields that could not be compared, by `reason|field`. */
  notCompared: NotComparedCounter;
}

/** Counts fields that could not be compared, per field and reason. */
export class NotComparedCounter {
  private readonly counts = new Map<string, NotComparedField>();

  add(scope: 'member' | 'department', field: string, label: string, reason: NotComparedField['reason']): void {
    const key = `${scope}|${reason}|${field}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { scope, field, label, reason, count: 1 });
  }

  list(): NotComparedField[] {
    return [...this.counts.values()];
  }
}

/** The result of comparing one desired member with WeCom's. */
export interface MemberComparison {
  changes: FieldChange[];
  /** Set when the departments differ as sets. */
  move?: { from: number[]; to: number[] };
}

/**
 * Compares a desired member with WeCom's by WeCom's rules: text trimmed (the import trims cells), e-mails ignoring
 * case, departments as a set, `isLeaderInDept` / `order` per department (aligned with each side's own list, so
 * a reordered list is no change), extended attributes by name. Fields WeCom withheld are counted in
 * `notCompared`, never reported as changes.
 */
export function compareMember(
  desired: ComparableMember,
  current: ComparableMember,
  ctx: MemberCompareContext,
): MemberComparison {
  // Allocated only when something differs: most members of a nightly mirror are unchanged.
  const changes: FieldChange[] = [];
  for (const field of SCALAR_MEMBER_FIELDS) {
    const given = field === 'gender' ? genderOf(desired.gender) : desired[field];
    const now = field === 'gender' ? genderOf(current.gender) : current[field];
    // The common case first: the same value on both sides.
    if (given === now && given !== undefined && !ctx.idsOnly) continue;
    const to = target(given, field, ctx);
    if (to === undefined) continue;
    if (ctx.idsOnly) {
      ctx.notCompared.add('member', field, memberLabel(field), 'detail-reads-restricted');
      continue;
    }
    if (now === undefined && WITHHELD_FIELDS.has(field)) {
      ctx.notCompared.add('member', field, memberLabel(field), 'withheld');
      continue;
    }
    const from = emptyToNull(now);
    if (!sameScalar(field, from, to)) changes.push({ field, label: memberLabel(field), from, to });
  }
  const comparison: MemberComparison = { changes };
  if (!sameSet(desired.departments, current.departments)) {
    comparison.move = { from: [...current.departments], to: [...desired.departments] };
  }
  if (desired.isLeaderInDept || ctx.clearsEmptyCells)
    perDepartment('isLeaderInDept', desired, current, ctx, changes, false);
  if (desired.order || ctx.clearsEmptyCells) perDepartment('order', desired, current, ctx, changes, 0);
  if (desired.extAttrs || ctx.clearsEmptyCells) extAttrs(desired, current, ctx, changes);
  return comparison;
}

/** The value the apply writes, `null` for "cleared", `undefined` for "left alone". */
function target(value: unknown, field: string, ctx: MemberCompareContext): PlanValue | undefined {
  if (value !== undefined && value !== null) return value as PlanValue;
  return ctx.clearsEmptyCells && ctx.columns.has(field) ? null : undefined;
}

function emptyToNull(value: unknown): PlanValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  return value as PlanValue;
}

function sameScalar(field: string, from: PlanValue, to: PlanValue): boolean {
  if (typeof from === 'string' && typeof to === 'string') {
    const a = from.trim();
    const b = to.trim();
    return field === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b;
  }
  // A cleared boolean and `false` are the same state (禁用 empty = enabled).
  if (field === 'disabled') return (from ?? false) === (to ?? false);
  return from === to;
}

/** Same members, any order (department lists are sets to WeCom). */
export function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length <= 8) return a.every((x) => b.includes(x));
  const set = new Set(b);
  return a.every((x) => set.has(x));
}

/** `isLeaderInDept` / `order`: compared department by department, over the desired departments. */
function perDepartment<T extends boolean | number>(
  field: 'isLeaderInDept' | 'order',
  desired: ComparableMember,
  current: ComparableMember,
  ctx: MemberCompareContext,
  changes: FieldChange[],
  empty: T,
): void {
  const given = desired[field] as T[] | undefined;
  if (!given && !(ctx.clearsEmptyCells && ctx.columns.has(field))) return;
  if (ctx.idsOnly) {
    ctx.notCompared.add('member', field, memberLabel(field), 'detail-reads-restricted');
    return;
  }
  const to = desired.departments.map((_, i) => (given ? given[i] : empty) ?? empty);
  const now = current[field] as T[] | undefined;
  const from = desired.departments.map((id) => {
    const at = current.departments.indexOf(id);
    return (at >= 0 && now ? now[at] : empty) ?? empty;
  });
  if (from.some((value, i) => value !== to[i])) {
    changes.push({ field, label: memberLabel(field), from: from as PlanValue, to: to as PlanValue });
  }
}

function extAttrs(
  desired: ComparableMember,
  current: ComparableMember,
  ctx: MemberCompareContext,
  changes: FieldChange[],
): void {
  const names = new Set(Object.keys(desired.extAttrs ?? {}));
  if (ctx.clearsEmptyCells)
    for (const column of ctx.columns) if (column.startsWith('extAttrs.')) names.add(column.slice(9));
  for (const name of names) {
    const field = `extAttrs.${name}`;
    if (ctx.idsOnly) {
      ctx.notCompared.add('member', field, memberLabel(field), 'detail-reads-restricted');
      continue;
    }
    const to = emptyToNull(desired.extAttrs?.[name]);
    const from = emptyToNull(current.extAttrs?.[name]);
    if (!sameScalar(field, from, to)) changes.push({ field, label: memberLabel(field), from, to });
  }
}
