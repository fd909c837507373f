import type { DirectoryState } from './directory-state.types.js';

/** Where members of unknown department ids land (WeCom: "自动创建到 其他(待设置部门)"). */
export const UNASSIGNED_DEPARTMENT_NAME = '其他(待设置部门)';

/** The root department's id. */
export const ROOT = 1;

/** Creates unknown department ids under 其他(待设置部门), itself created under the root when missing. */
export function createUnassigned(dir: DirectoryState, ids: number[]): void {
  let holder = [...dir.departments.values()].find((d) => d.parentId === ROOT && d.name === UNASSIGNED_DEPARTMENT_NAME);
  if (!holder) {
    let id = 0;
    for (const taken of [...dir.departments.keys(), ...ids]) id = Math.max(id, taken);
    id += 1;
    holder = { id, name: UNASSIGNED_DEPARTMENT_NAME, parentId: ROOT, order: 0 };
    dir.departments.set(id, holder);
  }
  for (const id of ids) dir.departments.set(id, { id, name: String(id), parentId: holder.id, order: 0 });
}

/** Deletes pending departments that have neither members nor sub-departments, leaves first. */
export function deleteEmptyPendingDepartments(dir: DirectoryState): void {
  if (dir.pendingDeletion.size === 0) return;
  const occupied = new Set<number>();
  for (const member of dir.members.values()) for (const id of member.departments) occupied.add(id);
  const children = new Map<number, number>();
  for (const d of dir.departments.values()) children.set(d.parentId, (children.get(d.parentId) ?? 0) + 1);
  let deleted = true;
  while (deleted) {
    deleted = false;
    for (const id of dir.pendingDeletion) {
      const department = dir.departments.get(id);
      if (department && (occupied.has(id) || (children.get(id) ?? 0) > 0)) continue;
      if (department) {
        dir.departments.delete(id);
        children.set(department.parentId, (children.get(department.parentId) ?? 1) - 1);
        deleted = true;
      }
      dir.pendingDeletion.delete(id);
    }
  }
}
