import type { DepartmentRow } from '../rows/department-row.dto.js';
import { cellBytes, csvCell, type CsvColumns } from './csv-build.util.js';
import { DEPARTMENT_CSV_HEADERS } from '../template/department-template.columns.js';

type Cell = string | undefined;

/**
 * The columns of a department CSV: 部门名称, 部门ID, 父部门ID always (WeCom requires them), 排序 only when some
 * row sets `order` — leaving it out keeps every department's order, as an empty cell or 0 would. Adds up
 * the bytes of each column while the rows are checked (see MemberCsvColumns).
 */
export class DepartmentCsvColumns implements CsvColumns<DepartmentRow> {
  private withOrder = false;
  private rows = 0;
  /** Bytes of the 部门名称, 部门ID and 父部门ID cells. */
  private requiredBytes = 0;
  private orderBytes = 0;

  constructor(private readonly quoting: boolean) {}

  add(row: DepartmentRow): void {
    this.rows++;
    this.requiredBytes += cellBytes(row.name, this.quoting) + String(row.id).length + String(row.parentId).length;
    if (row.order != null) {
      this.withOrder = true;
      this.orderBytes += String(row.order).length;
    }
  }

  headers(): string[] {
    const { name, id, parentId, order } = DEPARTMENT_CSV_HEADERS;
    return this.withOrder ? [name, id, parentId, order] : [name, id, parentId];
  }

  fields(): string[] {
    return this.withOrder ? ['name', 'id', 'parentId', 'order'] : ['name', 'id', 'parentId'];
  }

  dataBytes(): number {
    const columns = this.withOrder ? 4 : 3;
    return this.rows * columns + this.requiredBytes + (this.withOrder ? this.orderBytes : 0);
  }

  cells(row: DepartmentRow): Cell[] {
    const cells: Cell[] = [row.name, String(row.id), String(row.parentId)];
    if (this.withOrder) cells.push(row.order == null ? undefined : String(row.order));
    return cells;
  }

  /** The row's CSV record (see {@link CsvColumns.record}), built without a cells array. */
  record(row: DepartmentRow): string {
    const head = `${csvCell(row.name)},${csvCell(String(row.id))},${csvCell(String(row.parentId))}`;
    if (!this.withOrder) return `${head}\n`;
    return `${head},${row.order == null ? '' : csvCell(String(row.order))}\n`;
  }
}
