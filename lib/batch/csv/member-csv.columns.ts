import type { MemberRow } from '../rows/member-row.dto.js';
import { cellBytes, type CsvColumns } from './csv-build.util.js';
import { MEMBER_CSV_FIELDS, MEMBER_CSV_HEADERS, type MemberCsvField } from '../template/member-template.columns.js';

type Cell = string | undefined;

const GENDER_TEXT = new Map<unknown, string>([
  ['male', '男'],
  [1, '男'],
  ['female', '女'],
  [2, '女'],
]);

const list = (xs: readonly unknown[] | undefined): Cell => (xs == null ? undefined : xs.join(';'));
const flag = (b: boolean | undefined): Cell => (b == null ? undefined : b ? '1' : '0');

/** How each standard field becomes a cell. Lists are `;`-separated; booleans 1/0; gender 男/女. */
const FORMAT: { [F in MemberCsvField]: (row: MemberRow) => Cell } = {
  name: (r) => r.name,
  userid: (r) => r.userid,
  mobile: (r) => r.mobile ?? undefined,
  email: (r) => r.email ?? undefined,
  departments: (r) => list(r.departments),
  position: (r) => r.position ?? undefined,
  gender: (r) => (r.gender == null ? undefined : GENDER_TEXT.get(r.gender)),
  isLeaderInDept: (r) => (r.isLeaderInDept == null ? undefined : list(r.isLeaderInDept.map((b) => (b ? 1 : 0)))),
  order: (r) => list(r.order),
  alias: (r) => r.alias ?? undefined,
  address: (r) => r.address ?? undefined,
  telephone: (r) => r.telephone ?? undefined,
  disabled: (r) => flag(r.disabled),
};

/**
 * The columns of a member CSV: a standard column is present iff some row sets the field (not undefined/null),
 * in the template's order; then one column per extended attribute, in first-seen order. A column the file
 * leaves out is a field WeCom leaves untouched. While the rows are checked it also adds up each column's
 * bytes, so the file can be written into a buffer of exactly its size.
 */
export class MemberCsvColumns implements CsvColumns<MemberRow> {
  private readonly used = new Array<boolean>(MEMBER_CSV_FIELDS.length).fill(false);
  private readonly bytes = new Array<number>(MEMBER_CSV_FIELDS.length).fill(0);
  /** Extended attribute name → bytes of its cells, in first-seen order. */
  private readonly ext = new Map<string, number>();
  private rows = 0;
  private plan?: ((row: MemberRow) => Cell)[];

  constructor(private readonly quoting: boolean) {}

  add(row: MemberRow): void {
    this.rows++;
    for (let i = 0; i < MEMBER_CSV_FIELDS.length; i++) {
      const cell = FORMAT[MEMBER_CSV_FIELDS[i]](row);
      if (cell === undefined) continue;
      this.used[i] = true;
      this.bytes[i] += cellBytes(cell, this.quoting);
    }
    const ext = row.extAttrs;
    if (ext != null) {
      for (const name of Object.keys(ext)) {
        const value = ext[name];
        if (value != null) this.ext.set(name, (this.ext.get(name) ?? 0) + cellBytes(value, this.quoting));
      }
    }
  }

  headers(): string[] {
    return [...this.standard().map((f) => MEMBER_CSV_HEADERS[f]), ...this.ext.keys()];
  }

  fields(): string[] {
    return [...this.standard(), ...[...this.ext.keys()].map((n) => `extAttrs.${n}`)];
  }

  dataBytes(): number {
    const columns = this.standard().length + this.ext.size;
    let total = this.rows * columns; // the commas between cells and the LF after each row
    for (let i = 0; i < MEMBER_CSV_FIELDS.length; i++) if (this.used[i]) total += this.bytes[i];
    for (const b of this.ext.values()) total += b;
    return total;
  }

  cells(row: MemberRow): Cell[] {
    this.plan ??= [
      ...this.standard().map((f) => FORMAT[f]),
      ...[...this.ext.keys()].map((name) => (r: MemberRow) => r.extAttrs?.[name] ?? undefined),
    ];
    const cells = new Array<Cell>(this.plan.length);
    for (let i = 0; i < this.plan.length; i++) cells[i] = this.plan[i](row);
    return cells;
  }

  private standard(): MemberCsvField[] {
    return MEMBER_CSV_FIELDS.filter((_, i) => this.used[i]);
  }
}
