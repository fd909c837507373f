import type { DirectoryState } from './directory-state.types.js';
import { deleteEmptyPendingDepartments, ROOT } from './directory-tree.util.js';
import type { MemberSource } from './export-document.writer.js';
import { GeneratedMembers, generatedDepartments } from './generated-members.util.js';
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
  /** Members computed on demand (`generateMembers()`), until something needs them as real entries. */
  private generated?: GeneratedMembers;

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

  /**
   * Adds `count` generated members (and the departments they live in) — computed from their index, stored only
   * once an import, a delete or `directory()` needs them as entries. Replaces an earlier generated population
   * that was not materialised yet.
   */
  generate(count: number, seed: number): void {
    let firstId = 0;
    for (const id of this.state.departments.keys()) firstId = Math.max(firstId, id);
    const departments = generatedDepartments(count, firstId + 1, ROOT);
    for (const d of departments) this.state.departments.set(d.id, d);
    this.generated = new GeneratedMembers(
      count,
      seed,
      departments.map((d) => d.id),
    );
  }

  /** Members now, read lazily by exports and `user/list_id` (member objects are replaced, never changed). */
  memberSource(): MemberSource {
    const explicit = [...this.state.members.values()];
    const generated = this.generated;
    if (!generated) return { size: explicit.length, at: (i) => explicit[i] };
    return {
      size: explicit.length + generated.size,
      at: (i) => (i < explicit.length ? explicit[i] : generated.at(i - explicit.length)),
    };
  }

  /** Departments now (copies), sorted by id. */
  departmentList(): SimulatedDepartment[] {
    return [...this.state.departments.values()].map((d) => ({ ...d })).sort((a, b) => a.id - b.id);
  }

  /** The member `userid` (ignoring case), a copy, or undefined. */
  member(userid: string): SimulatedMember | undefined {
    const found = this.state.members.get(userid.toLowerCase());
    if (found) return structuredClone(found);
    // A generated member is read without materialising the whole population.
    const index = this.generated?.indexOf(userid);
    return index === undefined ? undefined : this.generated?.at(index);
  }

  /**
   * `user/batchdelete`: deletes every listed member, or none — the first unknown userid (60111) or the creator
   * (301005) fails the whole call. Departments waiting for deletion are deleted once empty.
   */
  deleteMembers(userids: readonly string[]): { errcode: number; userid?: string } {
    this.materialise();
    for (const userid of userids) {
      if (!this.state.members.has(userid.toLowerCase())) return { errcode: 60111, userid };
      if (this.state.creator?.toLowerCase() === userid.toLowerCase()) return { errcode: 301005, userid };
    }
    for (const userid of userids) this.state.members.delete(userid.toLowerCase());
    deleteEmptyPendingDepartments(this.state);
    return { errcode: 0 };
  }

  /** Turns generated members into real entries (once), so WeCom's import rules can change them. */
  materialise(): void {
    const generated = this.generated;
    if (!generated) return;
    this.generated = undefined;
    for (let i = 0; i < generated.size; i++) {
      const key = GeneratedMembers.userid(i);
      if (!this.state.members.has(key)) this.state.members.set(key, generated.at(i));
    }
  }

  /** A deep copy of the directory, sorted. */
  snapshot(): SimulatedDirectory {
    this.materialise();
    return {
      departments: [...this.state.departments.values()].map((d) => ({ ...d })).sort((a, b) => a.id - b.id),
      users: [...this.state.members.values()]
        .map((m) => structuredClone(m))
        .sort((a, b) => (a.userid < b.userid ? -1 : 1)),
    };
  }

  /** True when `userid` is a member (ignoring case). */
  hasMember(userid: string): boolean {
    this.materialise();
    return this.state.members.has(userid.toLowerCase());
  }

  /** True when department `id` exists. */
  hasDepartment(id: number): boolean {
    return this.state.departments.has(id);
  }

  /** Members now, counting the generated ones. */
  memberCount(): number {
    return this.state.members.size + (this.generated?.size ?? 0);
  }

  /** 302003 when the file repeats a userid (ignoring case), else 0. */
  checkMemberFile(rows: readonly MemberFileRow[]): number {
    return members.checkMemberFile(rows);
  }

  /** The replaceuser deletion guard (45026): true when the file would delete too many members. */
  triggersDeletionGuard(rows: readonly MemberFileRow[]): boolean {
    this.materialise();
    return members.triggersDeletionGuard(this.state, rows);
  }

  /**
   * The member-file rules step by step (a generator yielding between rows), for jobs applied in time slices:
   * the file check (302003), the replaceuser deletion guard (45026) when `guard`, then the rows. Returns the
   * job-level errcode (0 when applied) and the getresult rows.
   */
  *memberJobSteps(
    mode: members.ImportMode,
    rows: readonly MemberFileRow[],
    guard: boolean,
  ): Generator<void, { errCode: number; result?: SimulatedUserResultRow[] }> {
    this.materialise();
    const errCode = yield* members.checkMemberFileSteps(rows);
    if (errCode) return { errCode };
    if (guard && (yield* members.triggersDeletionGuardSteps(this.state, rows))) return { errCode: 45026 };
    return { errCode: 0, result: yield* members.applyMembersSteps(this.state, mode, rows) };
  }

  /** Applies a member file (already checked with `checkMemberFile`); returns the getresult rows. */
  applyMembers(mode: members.ImportMode, rows: readonly MemberFileRow[]): SimulatedUserResultRow[] {
    this.materialise();
    return members.applyMembers(this.state, mode, rows);
  }

  /** Checks a department file as a whole: 302004, 302006 or 302007, or 0 when the tree is valid. */
  checkPartyFile(rows: readonly PartyFileRow[]): number {
    return parties.checkPartyFile(rows);
  }

  /** Applies a department file (already checked with `checkPartyFile`); returns the getresult rows. */
  applyParties(rows: readonly PartyFileRow[]): SimulatedPartyResultRow[] {
    this.materialise();
    return parties.applyParties(this.state, rows);
  }
}
