import type { MemberField, MemberFileRow, PartyFileRow } from './import-file.js';
import type {
  SimulatedDepartment,
  SimulatedDirectory,
  SimulatedMember,
  SimulatedPartyResultRow,
  SimulatedUserResultRow,
} from './simulator.types.js';
import { ERRMSG } from './wecom-errcodes.js';

/** Where members of unknown department ids land (WeCom: "自动创建到 其他(待设置部门)"). */
export const UNASSIGNED_DEPARTMENT_NAME = '其他(待设置部门)';

const ROOT = 1;
const MAX_DEPARTMENTS_PER_MEMBER = 20;
const UINT32 = 2 ** 32;
const USERID = /^[A-Za-z0-9][A-Za-z0-9_\-@.]*$/;
const MOBILE = /^[0-9+-]{1,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TELEPHONE = /^[0-9-]{1,32}$/;
const DEPARTMENT_NAME_FORBIDDEN = /[\\:*?"<>|｜]/;
const OPTIONAL_TEXT: readonly MemberField[] = ['mobile', 'email', 'position', 'alias', 'address', 'telephone'];

type Mode = 'sync' | 'replace';
/** Member key (lower-cased userid) holding each mobile and lower-cased email. */
type Owners = { mobile: Map<string, string>; email: Map<string, string> };

function row(userid: string, errcode: number): SimulatedUserResultRow {
  return { userid, errcode, errmsg: ERRMSG[errcode] ?? 'error' };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function cloneMember(member: SimulatedMember): SimulatedMember {
  return structuredClone(member);
}

/**
 * The contacts of one simulated corp, and WeCom's import rules applied to them (§4.5): syncuser upserts
 * the columns the file has; replaceuser makes the members equal the file (deleting the others, never the
 * creator); replaceparty makes the tree equal the file, deleting only departments with no members and no
 * sub-departments — the others are deleted later, once a member import empties them.
 */
export class SimulatedCorpDirectory {
  private readonly departments = new Map<number, SimulatedDepartment>();
  /** Keyed by lower-cased userid: WeCom's uniqueness check ignores case. */
  private readonly members = new Map<string, SimulatedMember>();
  /** Departments a replaceparty left out that still had members or children. */
  private readonly pendingDeletion = new Set<number>();

  constructor(
    readonly corpId: string,
    private readonly creator: string | undefined,
    private readonly extAttrs: ReadonlySet<string>,
    departments: readonly SimulatedDepartment[],
    members: readonly SimulatedMember[],
  ) {
    for (const department of departments) this.departments.set(department.id, { ...department });
    if (!this.departments.has(ROOT)) this.departments.set(ROOT, { id: ROOT, name: corpId, parentId: 0, order: 0 });
    for (const member of members) this.members.set(member.userid.toLowerCase(), cloneMember(member));
  }

  /** A deep copy of the directory, sorted. */
  snapshot(): SimulatedDirectory {
    return {
      departments: [...this.departments.values()].map((d) => ({ ...d })).sort((a, b) => a.id - b.id),
      users: [...this.members.values()].map(cloneMember).sort((a, b) => (a.userid < b.userid ? -1 : 1)),
    };
  }

  hasMember(userid: string): boolean {
    return this.members.has(userid.toLowerCase());
  }

  hasDepartment(id: number): boolean {
    return this.departments.has(id);
  }

  /** 302003 when the file repeats a userid (ignoring case), else 0. */
  checkMemberFile(rows: readonly MemberFileRow[]): number {
    const seen = new Set<string>();
    for (const { cells } of rows) {
      const key = (cells.userid ?? '').toLowerCase();
      if (key === '') continue;
      if (seen.has(key)) return 302003;
      seen.add(key);
    }
    return 0;
  }

  /**
   * The replaceuser deletion guard (45026): true when the file would delete more than 50 members and more
   * than 20 % of the headcount, or fewer than 50 and more than 80 %. The creator is never deleted, so it
   * does not count.
   */
  triggersDeletionGuard(rows: readonly MemberFileRow[]): boolean {
    const inFile = new Set(rows.map(({ cells }) => (cells.userid ?? '').toLowerCase()));
    const headcount = this.members.size;
    let deletions = 0;
    for (const [key, member] of this.members) {
      if (!inFile.has(key) && !this.isCreator(member.userid)) deletions++;
    }
    return (deletions > 50 && deletions > 0.2 * headcount) || (deletions < 50 && deletions > 0.8 * headcount);
  }

  /** Applies a member file (already checked with `checkMemberFile`); returns the getresult rows. */
  applyMembers(mode: Mode, rows: readonly MemberFileRow[]): SimulatedUserResultRow[] {
    const results: SimulatedUserResultRow[] = [];
    const owners: Owners = { mobile: new Map(), email: new Map() };
    if (mode === 'replace') {
      // Deletions first, so a member of the file may take over a leaver's mobile or email.
      const inFile = new Set(rows.map(({ cells }) => (cells.userid ?? '').toLowerCase()));
      const protectedCreator: string[] = [];
      for (const [key, member] of this.members) {
        if (inFile.has(key)) continue;
        if (this.isCreator(member.userid)) protectedCreator.push(member.userid);
        else this.members.delete(key);
      }
      this.indexOwners(owners);
      for (const fileRow of rows) results.push(this.applyMemberRow(mode, fileRow, owners));
      for (const userid of protectedCreator) results.push(row(userid, 301005));
    } else {
      this.indexOwners(owners);
      for (const fileRow of rows) results.push(this.applyMemberRow(mode, fileRow, owners));
    }
    this.deleteEmptyPendingDepartments();
    return results;
  }

  /** Who holds each mobile and (case-insensitive) email, so a row's uniqueness check is O(1). */
  private indexOwners(owners: Owners): void {
    for (const [key, member] of this.members) {
      if (member.mobile) owners.mobile.set(member.mobile, key);
      if (member.email) owners.email.set(member.email.toLowerCase(), key);
    }
  }

  private isCreator(userid: string): boolean {
    return this.creator !== undefined && this.creator.toLowerCase() === userid.toLowerCase();
  }

  private applyMemberRow(mode: Mode, { cells, extra }: MemberFileRow, owners: Owners): SimulatedUserResultRow {
    const userid = cells.userid ?? '';
    if (!USERID.test(userid) || byteLength(userid) > 64) return row(userid, 40003);
    const key = userid.toLowerCase();
    const existing = this.members.get(key);
    const next: SimulatedMember = existing ? cloneMember(existing) : { userid, name: '', departments: [] };
    // An empty cell leaves the field unchanged in syncuser; in replaceuser the file wins, so it clears it.
    const given = (field: MemberField): string | undefined => {
      const value = cells[field];
      if (value === undefined) return undefined;
      if (value === '' && (mode === 'sync' || !existing)) return undefined;
      return value;
    };

    const name = given('name');
    if (name !== undefined) {
      if (name === '' || [...name].length > 64) return row(userid, 60112);
      next.name = name;
    }

    for (const field of OPTIONAL_TEXT) {
      const value = given(field);
      if (value === undefined) continue;
      if (value === '') {
        delete next[field as 'mobile'];
        continue;
      }
      const problem = this.checkText(field, value);
      if (problem) return row(userid, problem);
      (next as unknown as Record<string, string>)[field] = value;
    }

    const departmentsCell = given('departments');
    if (departmentsCell !== undefined) {
      const parts = departmentsCell === '' ? [] : departmentsCell.split(';').map((p) => p.trim());
      if (parts.some((p) => !/^\d{1,10}$/.test(p) || Number(p) < 1 || Number(p) >= UINT32)) return row(userid, 60123);
      const ids = parts.map(Number);
      if (new Set(ids).size !== ids.length) return row(userid, 60123);
      if (ids.length > MAX_DEPARTMENTS_PER_MEMBER) return row(userid, 60110);
      // Keep the per-department flags of departments the member stays in.
      const previous = next.departments;
      const alignedLeader = next.isLeaderInDept;
      const alignedOrder = next.order;
      next.departments = ids;
      if (alignedLeader) next.isLeaderInDept = ids.map((id) => alignedLeader[previous.indexOf(id)] ?? false);
      if (alignedOrder) next.order = ids.map((id) => alignedOrder[previous.indexOf(id)] ?? 0);
    }

    const leaderCell = given('isLeaderInDept');
    if (leaderCell !== undefined) {
      if (leaderCell === '') delete next.isLeaderInDept;
      else {
        const flags = leaderCell.split(';').map((p) => p.trim());
        if (flags.some((f) => f !== '0' && f !== '1')) return row(userid, 40058);
        if (flags.length !== next.departments.length) return row(userid, 60132);
        next.isLeaderInDept = flags.map((f) => f === '1');
      }
    }

    const orderCell = given('order');
    if (orderCell !== undefined) {
      if (orderCell === '') delete next.order;
      else {
        const orders = orderCell.split(';').map((p) => p.trim());
        if (orders.some((o) => !/^\d{1,10}$/.test(o) || Number(o) >= UINT32)) return row(userid, 40058);
        if (orders.length !== next.departments.length) return row(userid, 40058);
        next.order = orders.map(Number);
      }
    }

    const gender = given('gender');
    if (gender !== undefined) {
      if (gender === '') delete next.gender;
      else if (gender === '男' || gender === '1') next.gender = '1';
      else if (gender === '女' || gender === '2') next.gender = '2';
      else return row(userid, 40058);
    }

    const disabled = given('disabled');
    if (disabled !== undefined) {
      if (disabled === '') delete next.disabled;
      else if (disabled === '0' || disabled === '1') next.disabled = disabled === '1';
      else return row(userid, 40058);
    }

    for (const [attribute, value] of Object.entries(extra)) {
      // Values of attributes the corp has not created are ignored, like WeCom does.
      if (!this.extAttrs.has(attribute)) continue;
      if (value === '' && mode === 'sync') continue;
      next.extAttrs = { ...next.extAttrs, [attribute]: value };
      if (value === '') delete next.extAttrs[attribute];
    }

    if (next.name === '') return row(userid, 60112);
    if (next.departments.length === 0) return row(userid, 60127);
    if (!next.mobile && !next.email) return row(userid, 60129);
    const mobileOwner = next.mobile ? owners.mobile.get(next.mobile) : undefined;
    if (mobileOwner !== undefined && mobileOwner !== key) return row(userid, 60104);
    const emailOwner = next.email ? owners.email.get(next.email.toLowerCase()) : undefined;
    if (emailOwner !== undefined && emailOwner !== key) return row(userid, 60106);

    const unknown = next.departments.filter((id) => !this.departments.has(id));
    if (unknown.length) this.createUnassigned(unknown);
    if (existing?.mobile) owners.mobile.delete(existing.mobile);
    if (existing?.email) owners.email.delete(existing.email.toLowerCase());
    if (next.mobile) owners.mobile.set(next.mobile, key);
    if (next.email) owners.email.set(next.email.toLowerCase(), key);
    this.members.set(key, next);
    return row(existing?.userid ?? userid, 0);
  }

  private checkText(field: MemberField, value: string): number {
    switch (field) {
      case 'mobile':
        return MOBILE.test(value) ? 0 : 60103;
      case 'email':
        return EMAIL.test(value) && byteLength(value) >= 6 && byteLength(value) <= 64 ? 0 : 60105;
      case 'position':
        return [...value].length <= 128 ? 0 : 301012;
      case 'telephone':
        return TELEPHONE.test(value) ? 0 : 301013;
      case 'alias':
        return [...value].length <= 64 ? 0 : 40058;
      default:
        return [...value].length <= 128 ? 0 : 40058;
    }
  }

  /** Creates unknown department ids under 其他(待设置部门), itself created under the root when missing. */
  private createUnassigned(ids: number[]): void {
    let holder = [...this.departments.values()].find(
      (d) => d.parentId === ROOT && d.name === UNASSIGNED_DEPARTMENT_NAME,
    );
    if (!holder) {
      let id = 0;
      for (const taken of [...this.departments.keys(), ...ids]) id = Math.max(id, taken);
      id += 1;
      holder = { id, name: UNASSIGNED_DEPARTMENT_NAME, parentId: ROOT, order: 0 };
      this.departments.set(id, holder);
    }
    for (const id of ids) this.departments.set(id, { id, name: String(id), parentId: holder.id, order: 0 });
  }

  /**
   * Checks a department file as a whole: 302004 (empty or non-numeric ids, empty names, a parent that is
   * neither in the file nor the root, a root row whose parent is not 0, a cycle), 302006 (duplicate id),
   * 302007 (two children of one parent with the same name). Returns 0 when the tree is valid.
   */
  checkPartyFile(rows: readonly PartyFileRow[]): number {
    const parents = new Map<number, number>();
    for (const r of rows) {
      if (!/^\d{1,10}$/.test(r.id) || !/^\d{1,10}$/.test(r.parentId) || r.name === '') return 302004;
      const id = Number(r.id);
      const parentId = Number(r.parentId);
      if (id < 1 || (id === ROOT) !== (parentId === 0)) return 302004;
      if (parents.has(id)) return 302006;
      parents.set(id, parentId);
    }
    for (const [id, parentId] of parents) {
      if (id !== ROOT && parentId !== ROOT && !parents.has(parentId)) return 302004;
      const seen = new Set<number>([id]);
      for (let p = parentId; p !== 0 && p !== ROOT; p = parents.get(p) ?? 0) {
        if (seen.has(p)) return 302004;
        seen.add(p);
      }
    }
    const siblings = new Set<string>();
    for (const r of rows) {
      const key = `${Number(r.parentId)}\u0000${r.name}`;
      if (siblings.has(key)) return 302007;
      siblings.add(key);
    }
    return 0;
  }

  /** Applies a department file (already checked with `checkPartyFile`); returns the getresult rows. */
  applyParties(rows: readonly PartyFileRow[]): SimulatedPartyResultRow[] {
    const inFile = new Map(rows.map((r) => [Number(r.id), r]));
    const results = new Map<number, SimulatedPartyResultRow>();
    const result = (partyid: number, action: number, errcode: number): void => {
      results.set(partyid, { action, partyid, errcode, errmsg: ERRMSG[errcode] ?? 'error' });
    };
    // Departments the file leaves out stay where they are until deleted below; a file row may not take
    // the name of such a sibling.
    const retained = [...this.departments.values()].filter((d) => !inFile.has(d.id));
    const retainedNames = new Map(retained.map((d) => [`${d.parentId}\u0000${d.name}`, d.id]));

    const ordered = this.parentsFirst(rows);
    for (const r of ordered) {
      const id = Number(r.id);
      const parentId = Number(r.parentId);
      const existing = this.departments.get(id);
      let errcode = 0;
      if (DEPARTMENT_NAME_FORBIDDEN.test(r.name)) errcode = 60009;
      else if ([...r.name].length > 32 || byteLength(r.name) > 64) errcode = 60001;
      else if (r.order !== undefined && r.order !== '' && (!/^\d{1,10}$/.test(r.order) || Number(r.order) >= UINT32)) {
        errcode = 40058;
      } else if (id !== ROOT && !this.departments.has(parentId)) errcode = 60124;
      else if ((retainedNames.get(`${parentId}\u0000${r.name}`) ?? id) !== id) errcode = 60008;
      if (errcode) {
        result(id, 0, errcode);
        continue;
      }
      const order = r.order ? Number(r.order) : 0;
      if (!existing) {
        this.departments.set(id, { id, name: r.name, parentId: id === ROOT ? 0 : parentId, order });
        result(id, 1, 0);
        continue;
      }
      let action = 0;
      if (existing.name !== r.name) action |= 2;
      if (id !== ROOT && existing.parentId !== parentId) action |= 4;
      // 排序 empty or 0 leaves the order unchanged.
      if (order !== 0 && existing.order !== order) action |= 8;
      this.departments.set(id, {
        id,
        name: r.name,
        parentId: existing.parentId === 0 ? 0 : parentId,
        order: order !== 0 ? order : existing.order,
      });
      result(id, action, 0);
    }

    for (const department of retained) if (department.id !== ROOT) this.pendingDeletion.add(department.id);
    this.deleteEmptyPendingDepartments();
    // Rows in file order, as WeCom reports them.
    return rows.map((r) => results.get(Number(r.id)) as SimulatedPartyResultRow);
  }

  /** Orders file rows so every parent comes before its children (the file itself may be in any order). */
  private parentsFirst(rows: readonly PartyFileRow[]): PartyFileRow[] {
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const done = new Set<number>();
    const ordered: PartyFileRow[] = [];
    const visit = (r: PartyFileRow): void => {
      const id = Number(r.id);
      if (done.has(id)) return;
      done.add(id);
      const parent = byId.get(Number(r.parentId));
      if (parent && id !== ROOT) visit(parent);
      ordered.push(r);
    };
    for (const r of rows) visit(r);
    return ordered;
  }

  /** Deletes pending departments that have neither members nor sub-departments, leaves first. */
  private deleteEmptyPendingDepartments(): void {
    if (this.pendingDeletion.size === 0) return;
    const occupied = new Set<number>();
    for (const member of this.members.values()) for (const id of member.departments) occupied.add(id);
    const children = new Map<number, number>();
    for (const d of this.departments.values()) children.set(d.parentId, (children.get(d.parentId) ?? 0) + 1);
    let deleted = true;
    while (deleted) {
      deleted = false;
      for (const id of this.pendingDeletion) {
        const department = this.departments.get(id);
        if (department && (occupied.has(id) || (children.get(id) ?? 0) > 0)) continue;
        if (department) {
          this.departments.delete(id);
          children.set(department.parentId, (children.get(department.parentId) ?? 1) - 1);
          deleted = true;
        }
        this.pendingDeletion.delete(id);
      }
    }
  }
}
