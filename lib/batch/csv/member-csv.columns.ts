import type { MemberRow } from '../rows/member-row.dto.js';
import { cellBytes, csvCell, type CsvColumns } from './csv-build.util.js';
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
 * leaves out is a field WeCom leaves untouched. While the rows are checked it also adds up the cells' bytes,
 * so the file can be written into a buffer of exactly its size.
 */
export class MemberCsvColumns implements CsvColumns<MemberRow> {
  private readonly used = new Array<boolean>(MEMBER_CSV_FIELDS.length).fill(false);
  /** Extended attribute names, in first-seen order (a Set keeps insertion order). */
  private readonly ext = new Set<string>();
  private rows = 0;
  /** Bytes of every cell added so far (the separators are counted in {@link dataBytes}). */
  private bytes = 0;
  private plan?: ((row: MemberRow) => Cell)[];

  constructor(private readonly quoting: boolean) {}

  add(row: MemberRow): void {
    this.rows++;
    // One running total rather than one per column: a column no row uses has no cells, so adds nothing.
    for (let i = 0; i < MEMBER_CSV_FIELDS.length; i++) {
      const cell = FORMAT[MEMBER_CSV_FIELDS[i]](row);
      if (cell === undefined) continue;
      this.used[i] = true;
      this.bytes += cellBytes(cell, this.quoting);
    }
    const ext = row.extAttrs;
    if (ext != null) {
      for (const name of Object.keys(ext)) {
        const value = ext[name];
        if (value == null) continue;
        this.ext.add(name);
        this.bytes += cellBytes(value, this.quoting);
      }
    }
  }

  headers(): string[] {
    return [...this.standard().map((f) => MEMBER_CSV_HEADERS[f]), ...this.ext];
  }

  fields(): string[] {
    return [...this.standard(), ...[...this.ext].map((n) => `extAttrs.${n}`)];
  }

  dataBytes(): number {
    // The commas between cells and the LF after each row: one byte per column per row.
    return this.rows * (this.standard().length + this.ext.size) + this.bytes;
  }

  cells(row: MemberRow): Cell[] {
    const plan = this.writePlan();
    const cells = new Array<Cell>(plan.length);
    for (let i = 0; i < plan.length; i++) cells[i] = plan[i](row);
    return cells;
  }

  /** The row's CSV record (see {@link CsvColumns.record}), built without a cells array. */
  record(row: MemberRow): string {
    const plan = this.writePlan();
    if (plan.length === 0) return '\n';
    let line = csvCell(plan[0](row));
    for (let i = 1; i < plan.length; i++) line += `,${csvCell(plan[i](row))}`;
    return `${line}\n`;
  }

  private writePlan(): ((row: MemberRow) => Cell)[] {
    this.plan ??= [
      ...this.standard().map((f) => FORMAT[f]),
      ...[...this.ext].map((name) => (r: MemberRow) => r.extAttrs?.[name] ?? undefined),
    ];
    return this.plan;
  }

  private standard(): MemberCsvField[] {
    return MEMBER_CSV_FIELDS.filter((_, i) => this.used[i]);
  }
}
