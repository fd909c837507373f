import { DepartmentRow } from './department-row.dto.js';
import { MAX_DEPARTMENT_DEPTH, ROOT_DEPARTMENT_ID } from './department-row.rules.js';
import type { SliceClock } from './row-steps.util.js';
import type { RowValidationOptions } from './row.validator.js';
import { RowsCheckBase } from './rows-check.base.js';
import { rowLabel } from '../../errors/wecom-row-validation.error.js';
import { isUint32 } from './wecom-rule.util.js';

/** How many ids of a cycle a message spells out. */
const CYCLE_IDS_SHOWN = 8;

/**
 * Checks department rows one at a time, then the tree they describe (after the last row): unique ids
 * (302006), parents that exist in the file or are the root 1 (60004), no cycles (60010), at most 15 levels
 * counting the root (81002), and no two children of one parent with the same name (302007).
 */
export class DepartmentRowsCheck extends RowsCheckBase<DepartmentRow> {
  readonly kind = 'department';
  /** id → row index of its first occurrence. */
  private readonly rowOfId = new Map<number, number>();
  /** Parent id of each row whose id and parent are well-formed (by row index), for the tree walk. */
  private readonly parentOfRow = new Map<number, number>();
  /** `parentId/name` → row index of the first child with that name. */
  private readonly siblingNames = new Map<string, number>();

  constructor(options: RowValidationOptions = {}) {
    super(DepartmentRow, options);
  }

  /** Records what the tree checks need: the id, its parent and the name under that parent. */
  protected seen(row: DepartmentRow, index: number): void {
    const { id, parentId, name } = row as { id: unknown; parentId: unknown; name: unknown };
    if (!isUint32(id, 1)) return;
    const first = this.rowOfId.get(id);
    if (first !== undefined) {
      this.problems.push({ row: index, field: 'id', message: `repeats the id of ${rowLabel(first)}`, code: 302006 });
      return;
    }
    this.rowOfId.set(id, index);
    if (isUint32(parentId)) {
      this.parentOfRow.set(index, parentId);
      if (typeof name === 'string' && name !== '') {
        const key = `${parentId}/${name}`;
        const sibling = this.siblingNames.get(key);
        if (sibling === undefined) this.siblingNames.set(key, index);
        else {
          this.problems.push({
            row: index,
            field: 'name',
            message: `is also the name of ${rowLabel(sibling)}, under the same parent`,
            code: 302007,
          });
        }
      }
    }
  }

  /**
   * Walks every department up to the root once (memoised depths), so the whole check is linear in the
   * number of rows, yielding between departments when the time slice is used up. Depth -1 marks a department
   * whose chain is broken (missing parent, cycle, bad parentId): that is reported once, where it breaks, not
   * for every descendant.
   */
  *acrossRows(clock: SliceClock): Generator<void, void, void> {
    const depth = new Map<number, number>([[ROOT_DEPARTMENT_ID, 1]]);
    const onPath = new Map<number, number>();
    for (const [id, startRow] of this.rowOfId) {
      if (clock.due()) {
        yield;
        clock.restart();
      }
      if (depth.has(id)) continue;
      const path: number[] = [];
      onPath.clear();
      let current = id;
      let base: number;
      for (;;) {
        const known = depth.get(current);
        if (known !== undefined) {
          base = known;
          break;
        }
        const at = onPath.get(current);
        if (at !== undefined) {
          this.reportCycle(path.slice(at));
          base = -1;
          break;
        }
        const row = current === id ? startRow : this.rowOfId.get(current);
        const parent = row === undefined ? undefined : this.parentOfRow.get(row);
        if (row === undefined || parent === undefined) {
          // `current` is not in the file (its child's parentId was reported below) or has a bad parentId.
          base = -1;
          break;
        }
        onPath.set(current, path.length);
        path.push(current);
        if (parent !== ROOT_DEPARTMENT_ID && parent !== 0 && !this.rowOfId.has(parent)) {
          this.problems.push({
            row,
            field: 'parentId',
            message: `names department ${parent}, which is not in the file (a parent must be in the file, or be the root 1)`,
            code: 60004,
          });
        }
        current = parent;
      }
      for (let i = path.length - 1, d = base; i >= 0; i--) {
        d = d < 0 ? -1 : d + 1;
        const dep = path[i];
        if (!depth.has(dep)) depth.set(dep, d);
        if (d > MAX_DEPARTMENT_DEPTH) {
          this.problems.push({
            row: this.rowOfId.get(dep)!,
            field: 'parentId',
            message: `puts the department at level ${d} (the root is level 1); WeCom allows at most ${MAX_DEPARTMENT_DEPTH}`,
            code: 81002,
          });
        }
      }
    }
  }

  private reportCycle(cycle: number[]): void {
    const ids = cycle.length > CYCLE_IDS_SHOWN ? [...cycle.slice(0, CYCLE_IDS_SHOWN), '…'] : cycle;
    const text = `${[...ids, cycle[0]].join(' → ')}`;
    for (const id of cycle) {
      this.problems.push({
        row: this.rowOfId.get(id)!,
        field: 'parentId',
        message: `makes a cycle (${text}); every department must lead up to the root 1`,
        code: 60010,
      });
    }
  }
}
