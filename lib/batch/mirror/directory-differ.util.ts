import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { SliceClock } from '../rows/row-steps.util.js';
import { fromDesiredDepartment, SCALAR_MEMBER_FIELDS, type ComparableMember } from './comparable.util.js';
import type { CurrentDirectory } from './current-directory.types.js';
import { predictDeletionGuard } from './deletion-guard.util.js';
import { countMembersAfter, diffDepartments } from './department-diff.util.js';
import { compareMember, NotComparedCounter } from './member-compare.util.js';
import type { DirectoryPlan, MemberPlan, PlanStrategy, UnknownDepartment } from './mirror-plan.types.js';

/** What the differ compares. Desired rows must already be validated (as syncUsers validates them). */
export interface DiffInput {
  corpId: string;
  current: CurrentDirectory;
  users?: MemberRow[];
  departments?: DepartmentRow[];
  /** Above this estimated file size the members are applied as split syncs + batchdelete (never a replace). */
  mediaLimitBytes: number;
  /** Never a replace: deletions by `user/batchdelete` (`PlanDirectoryOptions.exactDeletes`). */
  exactDeletes?: boolean;
}

/** Userids listed per unknown department. */
const UNKNOWN_DEPARTMENT_USERIDS = 5;
/** The template's header and the separators of a row, roughly, for the file-size estimate. */
const ROW_OVERHEAD_BYTES = 16;

/**
 * Computes a {@link DirectoryPlan}: one pass over the desired members (columns, size estimate, deletions), the
 * strategy (which decides whether an empty cell clears a value), one comparison per member, then the tree.
 * Linear in the directory's size; yields whenever the time slice is used up, so 100,000 members never hold the
 * event loop.
 */
export function* diffDirectory(input: DiffInput, sliceMs?: number): Generator<void, DirectoryPlan, void> {
  const clock = new SliceClock(sliceMs);
  const { current } = input;
  const idsOnly = current.source === 'id-lists';
  const notCompared = new NotComparedCounter();

  let desired: Map<string, ComparableMember> | undefined;
  if (input.users) {
    desired = new Map();
    for (const row of input.users) {
      if (clock.due()) {
        yield;
        clock.restart();
      }
      // The validated row itself (MemberRow's vocabulary): no copy per member.
      desired.set(row.userid.toLowerCase(), row as ComparableMember);
    }
  }
  let deletions = 0;
  if (desired) for (const key of current.members.keys()) if (!desired.has(key)) deletions++;
  const deletionGuard = predictDeletionGuard(deletions, current.members.size);
  // The file's columns and size matter only when a replace is possible (something deleted, 45026 quiet).
  const columns = new Set<string>();
  let estimatedBytes = 0;
  if (desired && deletions > 0 && !deletionGuard.wouldTrigger && !input.exactDeletes) {
    for (const member of desired.values()) {
      if (clock.due()) {
        yield;
        clock.restart();
      }
      estimatedBytes += noteColumns(member, columns);
    }
  }
  const strategyMembers: PlanStrategy['members'] = !desired
    ? 'none'
    : deletions === 0
      ? 'sync_user'
      : input.exactDeletes || deletionGuard.wouldTrigger || estimatedBytes > input.mediaLimitBytes
        ? 'sync_user+batchdelete'
        : 'replace_user';

  let members: MemberPlan | undefined;
  if (desired) {
    members = {
      creates: [],
      updates: [],
      moves: [],
      deletes: [],
      unchanged: 0,
      current: current.members.size,
      desired: desired.size,
    };
    const ctx = { clearsEmptyCells: strategyMembers === 'replace_user', columns, idsOnly, notCompared };
    for (const [key, want] of desired) {
      if (clock.due()) {
        yield;
        clock.restart();
      }
      const have = current.members.get(key);
      if (!have) {
        members.creates.push({ userid: want.userid, name: want.name ?? '', departments: [...want.departments] });
        continue;
      }
      const { changes, move } = compareMember(want, have, ctx);
      const name = have.name ?? want.name;
      const who = name === undefined ? { userid: have.userid } : { userid: have.userid, name };
      if (changes.length) members.updates.push({ ...who, changes });
      if (move) members.moves.push({ ...who, ...move });
      if (!changes.length && !move) members.unchanged++;
    }
    for (const [key, have] of current.members) {
      if (clock.due()) {
        yield;
        clock.restart();
      }
      if (desired.has(key)) continue;
      members.deletes.push({
        userid: have.userid,
        ...(have.name === undefined ? {} : { name: have.name }),
        departments: have.departments,
      });
    }
  }

  const desiredTree = input.departments?.map(fromDesiredDepartment);
  const departments = desiredTree
    ? yield* diffDepartments(
        desiredTree,
        current.departments,
        (ids) => countMembersAfter(ids, current.members, desired),
        idsOnly,
        notCompared,
        clock,
      )
    : undefined;
  const known = desiredTree ? new Set(desiredTree.map((d) => d.id)) : new Set(current.departments.keys());
  const unknownDepartments = desired ? findUnknown(desired, known) : [];

  const treeChanges = departments
    ? departments.creates.length + departments.updates.length + departments.moves.length + departments.deletes.length
    : 0;
  const memberChanges = members
    ? members.creates.length + members.updates.length + members.moves.length + members.deletes.length
    : 0;
  const strategy: PlanStrategy = {
    departments: treeChanges > 0 ? 'replace_party' : 'none',
    members: memberChanges > 0 ? strategyMembers : 'none',
    reason: explain(memberChanges > 0 ? strategyMembers : 'none', {
      exact: !!input.exactDeletes,
      guard: deletionGuard.wouldTrigger,
      bytes: estimatedBytes,
      limit: input.mediaLimitBytes,
    }),
  };
  return {
    version: 1,
    corpId: input.corpId,
    computedAt: current.readAt.toISOString(),
    source: current.source,
    ...(members ? { members } : {}),
    ...(departments ? { departments } : {}),
    notCompared: notCompared.list(),
    unknownDepartments,
    deletionGuard,
    strategy,
    empty: treeChanges + memberChanges === 0,
    basis: current.fingerprint,
    desired: {
      ...(input.departments ? { departments: input.departments } : {}),
      ...(input.users ? { users: input.users } : {}),
    },
  };
}

/** Records the columns a member sets; returns its approximate CSV size in bytes. */
function noteColumns(member: ComparableMember, columns: Set<string>): number {
  let bytes = ROW_OVERHEAD_BYTES + Buffer.byteLength(member.userid) + member.departments.length * 11;
  for (const field of SCALAR_MEMBER_FIELDS) {
    const value = member[field];
    if (value === undefined) continue;
    columns.add(field);
    bytes += typeof value === 'string' ? Buffer.byteLength(value) + 1 : 4;
  }
  if (member.isLeaderInDept) {
    columns.add('isLeaderInDept');
    bytes += member.isLeaderInDept.length * 2;
  }
  if (member.order) {
    columns.add('order');
    bytes += member.order.length * 11;
  }
  for (const [name, value] of Object.entries(member.extAttrs ?? {})) {
    columns.add(`extAttrs.${name}`);
    bytes += Buffer.byteLength(value) + 1;
  }
  return bytes;
}

function findUnknown(desired: ReadonlyMap<string, ComparableMember>, known: ReadonlySet<number>): UnknownDepartment[] {
  const unknown = new Map<number, UnknownDepartment>();
  for (const member of desired.values()) {
    for (const id of member.departments) {
      if (id === 1 || known.has(id)) continue;
      const entry = unknown.get(id) ?? { id, members: 0, userids: [] };
      entry.members++;
      if (entry.userids.length < UNKNOWN_DEPARTMENT_USERIDS) entry.userids.push(member.userid);
      unknown.set(id, entry);
    }
  }
  return [...unknown.values()].sort((a, b) => a.id - b.id);
}

function explain(
  members: PlanStrategy['members'],
  why: { exact: boolean; guard: boolean; bytes: number; limit: number },
): string {
  switch (members) {
    case 'none':
      return 'no member changes';
    case 'sync_user':
      return 'nothing is deleted: only the created and changed members are uploaded (syncuser), no deletion risk';
    case 'replace_user':
      return 'members are deleted: one replaceuser of the desired members (a column the file has clears empty cells)';
    default:
      if (why.exact)
        return 'exactDeletes: the planned deletions by user/batchdelete, the changes by syncuser — never a replace';
      return why.guard
        ? "WeCom's 45026 guard would refuse a replace: the changes go by syncuser, the planned deletions by user/batchdelete"
        : `the file (about ${why.bytes} bytes) is over the ${why.limit}-byte media limit: split syncuser plus user/batchdelete of the planned deletions`;
  }
}
