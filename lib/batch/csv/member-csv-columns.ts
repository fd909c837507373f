import type { MemberRow } from '../rows/member-row.js';
import type { CsvColumns } from './csv-build.js';
import { MEMBER_CSV_FIELDS, MEMBER_CSV_HEADERS, type MemberCsvField } from './csv-headers.js';

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
 * leaves out is a field WeCom leaves untouched.
 */
export class MemberCsvColumns implements CsvColumns<MemberRow> {
  private readonly used = new Set<MemberCsvField>();
  private readonly extNames = new Set<string>();
  private plan?: ((row: MemberRow) => Cell)[];

  add(row: MemberRow): void {
    if (this.used.size < MEMBER_CSV_FIELDS.length) {
      const values = row as unknown as Record<string, unknown>;
      for (const field of MEMBER_CSV_FIELDS) if (values[field] != null) this.used.add(field);
    }
    const ext = row.extAttrs;
    if (ext != null && typeof ext === 'object') {
      for (const name of Object.keys(ext)) if (ext[name] != null) this.extNames.add(name);
    }
  }

  headers(): string[] {
    return [...MEMBER_CSV_FIELDS.filter((f) => this.used.has(f)).map((f) => MEMBER_CSV_HEADERS[f]), ...this.extNames];
  }

  fields(): string[] {
    return [...MEMBER_CSV_FIELDS.filter((f) => this.used.has(f)), ...[...this.extNames].map((n) => `extAttrs.${n}`)];
  }

  cells(row: MemberRow): Cell[] {
    this.plan ??= [
      ...MEMBER_CSV_FIELDS.filter((f) => this.used.has(f)).map((f) => FORMAT[f]),
      ...[...this.extNames].map((name) => (r: MemberRow) => r.extAttrs?.[name] ?? undefined),
    ];
    const cells = new Array<Cell>(this.plan.length);
    for (let i = 0; i < this.plan.length; i++) cells[i] = this.plan[i](row);
    return cells;
  }
}
