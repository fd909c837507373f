import type { PartyFileRow } from './import-file.parser.js';
import type { DirectoryState } from './directory-state.types.js';
import { deleteEmptyPendingDepartments, ROOT } from './directory-tree.util.js';
import { ERRMSG } from './simulator-errcodes.js';
import type { SimulatedPartyResultRow } from './simulator.types.js';

// WeCom's replaceparty rules (§4.5): the tree becomes equal to the file; departments the file leaves out are
// deleted only once they have no members and no sub-departments.

const UINT32 = 2 ** 32;
const DEPARTMENT_NAME_FORBIDDEN = /[\\:*?"<>|｜]/;

/**
 * Checks a department file as a whole: 302004 (empty or non-numeric ids, empty names, a parent that is
 * neither in the file nor the root, a root row whose parent is not 0, a cycle), 302006 (duplicate id),
 * 302007 (two children of one parent with the same name). Returns 0 when the tree is valid.
 */
export function checkPartyFile(rows: readonly PartyFileRow[]): number {
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
export function applyParties(dir: DirectoryState, rows: readonly PartyFileRow[]): SimulatedPartyResultRow[] {
  const inFile = new Map(rows.map((r) => [Number(r.id), r]));
  const results = new Map<number, SimulatedPartyResultRow>();
  const result = (partyid: number, action: number, errcode: number): void => {
    results.set(partyid, { action, partyid, errcode, errmsg: ERRMSG[errcode] ?? 'error' });
  };
  // Departments the file leaves out stay where they are until deleted below; a file row may not take
  // the name of such a sibling.
  const retained = [...dir.departments.values()].filter((d) => !inFile.has(d.id));
  const retainedNames = new Map(retained.map((d) => [`${d.parentId}\u0000${d.name}`, d.id]));

  const ordered = parentsFirst(rows);
  for (const r of ordered) {
    const id = Number(r.id);
    const parentId = Number(r.parentId);
    const existing = dir.departments.get(id);
    let errcode = 0;
    if (DEPARTMENT_NAME_FORBIDDEN.test(r.name)) errcode = 60009;
    else if ([...r.name].length > 32 || Buffer.byteLength(r.name, 'utf8') > 64) errcode = 60001;
    else if (r.order !== undefined && r.order !== '' && (!/^\d{1,10}$/.test(r.order) || Number(r.order) >= UINT32)) {
      errcode = 40058;
    } else if (id !== ROOT && !dir.departments.has(parentId)) errcode = 60124;
    else if ((retainedNames.get(`${parentId}\u0000${r.name}`) ?? id) !== id) errcode = 60008;
    if (errcode) {
      result(id, 0, errcode);
      continue;
    }
    const order = r.order ? Number(r.order) : 0;
    if (!existing) {
      dir.departments.set(id, { id, name: r.name, parentId: id === ROOT ? 0 : parentId, order });
      result(id, 1, 0);
      continue;
    }
    let action = 0;
    if (existing.name !== r.name) action |= 2;
    if (id !== ROOT && existing.parentId !== parentId) action |= 4;
    // 排序 empty or 0 leaves the order unchanged.
    if (order !== 0 && existing.order !== order) action |= 8;
    dir.departments.set(id, {
      id,
      name: r.name,
      parentId: existing.parentId === 0 ? 0 : parentId,
      order: order !== 0 ? order : existing.order,
    });
    result(id, action, 0);
  }

  for (const department of retained) if (department.id !== ROOT) dir.pendingDeletion.add(department.id);
  deleteEmptyPendingDepartments(dir);
  // Rows in file order, as WeCom reports them.
  return rows.map((r) => results.get(Number(r.id)) as SimulatedPartyResultRow);
}

/** Orders file rows so every parent comes before its children (the file itself may be in any order). */
function parentsFirst(rows: readonly PartyFileRow[]): PartyFileRow[] {
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
