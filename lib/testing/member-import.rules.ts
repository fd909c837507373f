import type { DirectoryState } from './directory-state.types.js';
import { createUnassigned, deleteEmptyPendingDepartments } from './directory-tree.util.js';
import type { MemberField, MemberFileRow } from './import-file.parser.js';
import { ERRMSG } from './simulator-errcodes.js';
import type { SimulatedMember, SimulatedUserResultRow } from './simulator.types.js';
import { drive } from './time-slice.util.js';

// WeCom's member import rules (§4.5): syncuser upserts the columns the file has; replaceuser makes the members
// equal the file, deleting the others (never the creator).

/** syncuser (`'sync'`) or replaceuser (`'replace'`). */
export type ImportMode = 'sync' | 'replace';

const MAX_DEPARTMENTS_PER_MEMBER = 20;
const UINT32 = 2 ** 32;
const USERID = /^[A-Za-z0-9][A-Za-z0-9_\-@.]*$/;
const MOBILE = /^[0-9+-]{1,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TELEPHONE = /^[0-9-]{1,32}$/;
const OPTIONAL_TEXT: readonly MemberField[] = ['mobile', 'email', 'position', 'alias', 'address', 'telephone'];

/** Member key (lower-cased userid) holding each mobile and lower-cased email. */
type Owners = { mobile: Map<string, string>; email: Map<string, string> };

function row(userid: string, errcode: number): SimulatedUserResultRow {
  return { userid, errcode, errmsg: ERRMSG[errcode] ?? 'error' };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// Each rule is a generator that yields between units of work, so a 1,000,000-row job can run in time slices
// (`drive(…, true)`); the plain functions run the same steps in one go.

/** 302003 when the file repeats a userid (ignoring case), else 0. */
export function checkMemberFile(rows: readonly MemberFileRow[]): number {
  return drive(checkMemberFileSteps(rows), false);
}

/** `checkMemberFile` step by step. */
export function* checkMemberFileSteps(rows: readonly MemberFileRow[]): Generator<void, number> {
  const seen = new Set<string>();
  for (const { cells } of rows) {
    const key = (cells.userid ?? '').toLowerCase();
    yield;
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
export function triggersDeletionGuard(dir: DirectoryState, rows: readonly MemberFileRow[]): boolean {
  return drive(triggersDeletionGuardSteps(dir, rows), false);
}

/** `triggersDeletionGuard` step by step. */
export function* triggersDeletionGuardSteps(
  dir: DirectoryState,
  rows: readonly MemberFileRow[],
): Generator<void, boolean> {
  const inFile = yield* userids(rows);
  const headcount = dir.members.size;
  let deletions = 0;
  for (const [key, member] of dir.members) {
    if (!inFile.has(key) && !isCreator(dir, member.userid)) deletions++;
    yield;
  }
  return (deletions > 50 && deletions > 0.2 * headcount) || (deletions < 50 && deletions > 0.8 * headcount);
}

/** Applies a member file (already checked with `checkMemberFile`); returns the getresult rows. */
export function applyMembers(
  dir: DirectoryState,
  mode: ImportMode,
  rows: readonly MemberFileRow[],
): SimulatedUserResultRow[] {
  return drive(applyMembersSteps(dir, mode, rows), false);
}

/** `applyMembers` step by step. */
export function* applyMembersSteps(
  dir: DirectoryState,
  mode: ImportMode,
  rows: readonly MemberFileRow[],
): Generator<void, SimulatedUserResultRow[]> {
  const results: SimulatedUserResultRow[] = [];
  const owners: Owners = { mobile: new Map(), email: new Map() };
  const protectedCreator: string[] = [];
  if (mode === 'replace') {
    // Deletions first, so a member of the file may take over a leaver's mobile or email.
    const inFile = yield* userids(rows);
    for (const [key, member] of dir.members) {
      yield;
      if (inFile.has(key)) continue;
      if (isCreator(dir, member.userid)) protectedCreator.push(member.userid);
      else dir.members.delete(key);
    }
  }
  yield* indexOwners(dir, owners);
  for (const fileRow of rows) {
    results.push(applyMemberRow(dir, mode, fileRow, owners));
    yield;
  }
  for (const userid of protectedCreator) results.push(row(userid, 301005));
  deleteEmptyPendingDepartments(dir);
  return results;
}

/** The file's userids, lower-cased. */
function* userids(rows: readonly MemberFileRow[]): Generator<void, Set<string>> {
  const keys = new Set<string>();
  for (const { cells } of rows) {
    keys.add((cells.userid ?? '').toLowerCase());
    yield;
  }
  return keys;
}

/** Who holds each mobile and (case-insensitive) email, so a row's uniqueness check is O(1). */
function* indexOwners(dir: DirectoryState, owners: Owners): Generator<void> {
  for (const [key, member] of dir.members) {
    if (member.mobile) owners.mobile.set(member.mobile, key);
    if (member.email) owners.email.set(member.email.toLowerCase(), key);
    yield;
  }
}

function isCreator(dir: DirectoryState, userid: string): boolean {
  return dir.creator !== undefined && dir.creator.toLowerCase() === userid.toLowerCase();
}

function applyMemberRow(
  dir: DirectoryState,
  mode: ImportMode,
  { cells, extra }: MemberFileRow,
  owners: Owners,
): SimulatedUserResultRow {
  const userid = cells.userid ?? '';
  if (!USERID.test(userid) || byteLength(userid) > 64) return row(userid, 40003);
  const key = userid.toLowerCase();
  const existing = dir.members.get(key);
  const next: SimulatedMember = existing ? structuredClone(existing) : { userid, name: '', departments: [] };
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
    const problem = checkText(field, value);
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
    if (!dir.extAttrs.has(attribute)) continue;
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

  const unknown = next.departments.filter((id) => !dir.departments.has(id));
  if (unknown.length) createUnassigned(dir, unknown);
  if (existing?.mobile) owners.mobile.delete(existing.mobile);
  if (existing?.email) owners.email.delete(existing.email.toLowerCase());
  if (next.mobile) owners.mobile.set(next.mobile, key);
  if (next.email) owners.email.set(next.email.toLowerCase(), key);
  dir.members.set(key, next);
  return row(existing?.userid ?? userid, 0);
}

function checkText(field: MemberField, value: string): number {
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
