import type { DepartmentRow } from '../rows/department-row.js';
import type { CsvColumns } from './csv-build.js';
import { DEPARTMENT_CSV_HEADERS } from './csv-headers.js';

type Cell = string | undefined;

/**
 * The columns of a department CSV: 部门名称, 部门ID, 父部门ID always (WeCom requires them), 排序 only when some
 * row sets `order` — leaving it out keeps every department's order, as an empty cell or 0 would.
 */
export class DepartmentCsvColumns implements CsvColumns<DepartmentRow> {
  private withOrder = false;

  add(row: DepartmentRow): void {
    if (row.order != null) this.withOrder = true;
  }

  headers(): string[] {
    const { name, id, parentId, order } = DEPARTMENT_CSV_HEADERS;
    return this.withOrder ? [name, id, parentId, order] : [name, id, parentId];
  }

  fields(): string[] {
    return this.withOrder ? ['name', 'id', 'parentId', 'order'] : ['name', 'id', 'parentId'];
  }

  cells(row: DepartmentRow): Cell[] {
    const cells: Cell[] = [row.name, String(row.id), String(row.parentId)];
    if (this.withOrder) cells.push(row.order == null ? undefined : String(row.order));
    return cells;
  }
}
