import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';

/** What `planDirectory` / `mirrorDirectory` should make WeCom's directory equal to. */
export interface DesiredDirectory {
  /**
   * The whole department tree (as `replaceDepartments` takes it). Omitted: the tree is neither compared nor
   * changed, and the members' departments must already exist in WeCom.
   */
  departments?: Iterable<DepartmentRow>;
  /** Every member the corp should have (as `replaceUsers` takes it). Omitted: members are left alone. */
  users?: Iterable<MemberRow>;
}

/** A value as compared: text, a number, a flag, a list — `null` when the field is empty (or cleared). */
export type PlanValue = string | number | boolean | number[] | boolean[] | null;

/** One field that differs: `from` is WeCom's current value, `to` the value the import writes. */
export interface FieldChange {
  /** The camelCase field of `MemberRow` / `DepartmentRow`, or `extAttrs.<name>` for an extended attribute. */
  field: string;
  /** The field's name in WeCom's import template (手机号, 职位, …), for people. */
  label: string;
  from: PlanValue;
  to: PlanValue;
}

/** A member the import creates. */
export interface MemberCreate {
  userid: string;
  name: string;
  departments: number[];
}

/** A member whose fields (other than its departments) change. */
export interface MemberUpdate {
  /** The userid as WeCom has it (the desired spelling may differ in case: userids are compared ignoring case). */
  userid: string;
  name?: string;
  changes: FieldChange[];
}

/** A member whose departments change (compared as sets: a reordered list is no move). */
export interface MemberMove {
  userid: string;
  name?: string;
  from: number[];
  to: number[];
}

/** A member the apply deletes (in WeCom's directory, not in the desired users). */
export interface MemberDelete {
  userid: string;
  /** Absent when WeCom withheld names (48009: the directory was read through ID lists). */
  name?: string;
  departments: number[];
}

/** A department the import creates. */
export interface DepartmentCreate {
  id: number;
  name: string;
  parentId: number;
}

/** A department whose name or order changes. */
export interface DepartmentUpdate {
  id: number;
  name?: string;
  changes: FieldChange[];
}

/** A department that gets another parent (its whole subtree moves with it; its children are not listed). */
export interface DepartmentMove {
  id: number;
  name?: string;
  from: number;
  to: number;
}

/** A department the apply deletes. */
export interface DepartmentDelete {
  id: number;
  name?: string;
  parentId: number;
  /**
   * Members still in it once the planned member changes ran (members that are neither moved out nor deleted,
   * or all of its members when no desired users were given). WeCom deletes a department only once it is empty:
   * when this is above 0 the department stays, and the plan says so (`blocked`).
   */
  membersLeft: number;
  /** True when the department cannot be deleted by this plan (`membersLeft > 0`). */
  blocked: boolean;
}

/** Changes of one kind of entry (members or departments). */
export interface PlanSection<C, U, M, D> {
  creates: C[];
  updates: U[];
  moves: M[];
  deletes: D[];
  /** Entries in both with nothing to change. */
  unchanged: number;
  /** Entries WeCom has now. */
  current: number;
  /** Entries desired. */
  desired: number;
}

/** The member changes of a plan. */
export type MemberPlan = PlanSection<MemberCreate, MemberUpdate, MemberMove, MemberDelete>;

/** The department changes of a plan. */
export type DepartmentPlan = PlanSection<DepartmentCreate, DepartmentUpdate, DepartmentMove, DepartmentDelete>;

/**
 * A field that could not be compared, so it is never reported as a change. `withheld`: WeCom left the field out
 * of the export for these entries (since 2022-06-20 some callers get no mobile, e-mail, gender, address — "unknown",
 * not "empty"); `detail-reads-restricted`: WeCom answered 48009 to the export and the directory was read through
 * `user/list_id` + `department/simplelist`, which carry ids, memberships and the tree shape only.
 */
export interface NotComparedField {
  scope: 'member' | 'department';
  field: string;
  label: string;
  reason: 'withheld' | 'detail-reads-restricted';
  /** Entries for which the desired value could not be checked. */
  count: number;
}

/** A department id that desired members name but that neither the desired tree nor WeCom has. */
export interface UnknownDepartment {
  id: number;
  /** How many desired members name it. */
  members: number;
  /** The first few of them. */
  userids: string[];
}

/**
 * WeCom's replaceuser deletion guard (45026), predicted from the plan. Rule (PEER, UNCONFIRMED — the simulator
 * applies the same): refused when it would delete **more than 50 members and more than 20 %** of the corp, or,
 * with **fewer than 50** deletions, **more than 80 %** of it. Exactly 50 deletions trip neither. The corp's
 * creator is never deleted by WeCom and does not count; the module cannot tell who that is, so it counts every
 * planned deletion (list the creator in `protectedUserIds`).
 */
export interface DeletionGuardPrediction {
  /** True when a `replaceUsers` of the desired members would be refused with 45026. */
  wouldTrigger: boolean;
  /** Which branch fired: `'over-50-and-20-percent'`, `'small-corp-80-percent'`, or `null` when none did. */
  rule: 'over-50-and-20-percent' | 'small-corp-80-percent' | null;
  deletions: number;
  /** Members WeCom has now (the base of the percentages). */
  headcount: number;
  /** deletions / headcount × 100, rounded to one decimal. */
  percent: number;
  /** The rule in words, with the figures. */
  explanation: string;
}

/** How the plan will be applied (cheapest safe way first), and why. */
export interface PlanStrategy {
  /** `replace_party` when the tree changes; `none` otherwise (or when no departments were given). */
  departments: 'replace_party' | 'none';
  /**
   * `sync_user` when nothing is deleted (only the created and changed rows are uploaded); `replace_user` when
   * members are deleted; `sync_user+batchdelete` when the file would exceed the media limit or WeCom's 45026
   * guard would refuse the replace: the changed rows by `syncUsers` plus `user/batchdelete` of exactly the planned
   * deletions — never a replace.
   */
  members: 'sync_user' | 'replace_user' | 'sync_user+batchdelete' | 'none';
  /** Why, in words. */
  reason: string;
}

/**
 * Order-independent digests of what matters between planning and applying: which members exist, their
 * departments, and the tree. `applyPlan` re-reads the ids cheaply and compares.
 */
export interface DirectoryFingerprint {
  members: number;
  departments: number;
  /** Digest of the set of userids (lower-cased). */
  memberIds: string;
  /** Digest of each member's department set. */
  memberships: string;
  /** Digest of the tree (id → parent). */
  tree: string;
}

/**
 * What applying the desired directory would do, computed against WeCom's current directory. Plain data
 * (`JSON.stringify`-able, and `applyPlan` accepts it parsed back); `renderDirectoryPlan` prints it for people.
 * It holds the desired rows (the apply uploads them) and from → to values of personal fields: treat it like the
 * HR data it comes from (the module never logs it; its events carry counts only).
 */
export interface DirectoryPlan {
  /** Format version of this object. */
  version: 1;
  corpId: string;
  /** ISO time the current directory was read. */
  computedAt: string;
  /** How WeCom's directory was read: the exports, or the ID lists after a 48009. */
  source: 'export' | 'id-lists';
  /** Absent when no desired members were given. */
  members?: MemberPlan;
  /** Absent when no desired departments were given. */
  departments?: DepartmentPlan;
  notCompared: NotComparedField[];
  unknownDepartments: UnknownDepartment[];
  deletionGuard: DeletionGuardPrediction;
  strategy: PlanStrategy;
  /** True when there is nothing to create, update, move or delete. */
  empty: boolean;
  basis: DirectoryFingerprint;
  /** The validated desired rows, as given (the apply uploads them). */
  desired: { departments?: DepartmentRow[]; users?: MemberRow[] };
}

/** What differs after an apply: the plan sections that are left (empty when the directory equals the desired). */
export interface DirectoryDrift {
  /** True when nothing differs (fields in `notCompared` could not be checked). */
  empty: boolean;
  members?: MemberPlan;
  departments?: DepartmentPlan;
  notCompared: NotComparedField[];
}
