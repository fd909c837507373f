import type { DirectoryState } from './directory-state.types.js';
import { ROOT } from './directory-tree.util.js';
import type { MemberFileRow, PartyFileRow } from './import-file.parser.js';
import * as members from './member-import.rules.js';
import * as parties from './party-import.rules.js';
import type {
  SimulatedDepartment,
  SimulatedDirectory,
  SimulatedMember,
  SimulatedPartyResultRow,
  SimulatedUserResultRow,
} from './simulator.types.js';

export { UNASSIGNED_DEPARTMENT_NAME } from './directory-tree.util.js';

/**
 * The contacts of one simulated corp, and WeCom's import rules applied to them (§4.5): syncuser upserts
 * the columns the file has; replaceuser makes the members equal the file (deleting the others, never the
 * creator); replaceparty makes the tree equal the file, deleting only departments with no members and no
 * sub-departments — the others are deleted later, once a member import empties them.
 */
export class SimulatedCorpDirectory {
  private readonly state: DirectoryState;

  constructor(
    readonly corpId: string,
    creator: string | undefined,
    extAttrs: ReadonlySet<string>,
    departments: readonly SimulatedDepartment[],
    initialMembers: readonly SimulatedMember[],
  ) {
    this.state = { departments: new Map(), members: new Map(), pendingDeletion: new Set(), creator, extAttrs };
    for (const department of departments) this.state.departments.set(department.id, { ...department });
    if (!this.state.departments.has(ROOT)) {
      this.state.departments.set(ROOT, { id: ROOT, name: corpId, parentId: 0, order: 0 });
    }
    for (const member of initialMembers) this.state.members.set(member.userid.toLowerCase(), structuredClone(member));
  }

  /** A deep copy of the directory, sorted. */
  snapshot(): SimulatedDirectory {
    return {
      departments: [...this.state.departments.values()].map((d) => ({ ...d })).sort((a, b) => a.id - b.id),
      users: [...this.state.members.values()]
        .map((m) => structuredClone(m))
        .sort((a, b) => (a.userid < b.userid ? -1 : 1)),
    };
  }

  /** True when `userid` is a member (ignoring case). */
  hasMember(userid: string): boolean {
    return this.state.members.has(userid.toLowerCase());
  }

  /** True when department `id` exists. */
  hasDepartment(id: number): boolean {
    return this.state.departments.has(id);
  }

  /** 302003 when the file repeats a userid (ignoring case), else 0. */
  checkMemberFile(rows: readonly MemberFileRow[]): number {
    return members.checkMemberFile(rows);
  }

  /** The replaceuser deletion guard (45026): true when the file would delete too many members. */
  triggersDeletionGuard(rows: readonly MemberFileRow[]): boolean {
    return members.triggersDeletionGuard(this.state, rows);
  }

  /** Applies a member file (already checked with `checkMemberFile`); returns the getresult rows. */
  applyMembers(mode: members.ImportMode, rows: readonly MemberFileRow[]): SimulatedUserResultRow[] {
    return members.applyMembers(this.state, mode, rows);
  }

  /** Checks a department file as a whole: 302004, 302006 or 302007, or 0 when the tree is valid. */
  checkPartyFile(rows: readonly PartyFileRow[]): number {
    return parties.checkPartyFile(rows);
  }

  /** Applies a department file (already checked with `checkPartyFile`); returns the getresult rows. */
  applyParties(rows: readonly PartyFileRow[]): SimulatedPartyResultRow[] {
    return parties.applyParties(this.state, rows);
  }
}
