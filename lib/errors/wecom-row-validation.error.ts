import { WeComBatchError } from './wecom-batch.error.js';

/**
 * One problem found in the rows handed to the module, before anything was uploaded. Never carries the
 * offending value (mobiles and e-mails are personal data): a row index, a field path and a short reason.
 */
export interface WeComRowProblem {
  /**
   * 0-based index of the row in the input (`rows[row]`); `-1` for a problem with the file as a whole (e.g. no
   * rows). Messages print it 1-based with the index: `row 3 (index 2)`.
   */
  row: number;
  /**
   * The camelCase field, with a path into lists and extended attributes where it helps:
   * `mobile`, `departments[2]`, `extAttrs.年龄`; `(row)` when the row is not an object; `(file)` for a problem
   * of the input as a whole.
   */
  field: string;
  /** What is wrong, short and without the value. */
  message: string;
  /** The WeCom errcode the problem would have caused (e.g. 302003 duplicate userid, 60103 bad mobile). */
  code?: number;
}

/**
 * How messages name a row: 1-based as people count ("row 1" is the first row), with the 0-based index that
 * `WeComRowProblem.row` holds and `rows[index]` reads — `row 3 (index 2)`.
 */
export function rowLabel(index: number): string {
  return `row ${index + 1} (index ${index})`;
}

/** How many problems the error message spells out; `problems` always holds all of them. */
const MESSAGE_PROBLEM_LIMIT = 10;

/**
 * The rows given to `syncUsers`, `replaceUsers`, `replaceDepartments` or a CSV builder break WeCom's rules.
 * Thrown before anything is uploaded. `problems` lists **every** problem found (all rows, all fields,
 * duplicates and tree errors across rows), sorted by row; the message summarises the first few.
 *
 * ```ts
 * catch (e) {
 *   if (e instanceof WeComRowValidationError) for (const p of e.problems) console.log(p.row, p.field, p.message);
 * }
 * ```
 */
export class WeComRowValidationError extends WeComBatchError {
  /** Every problem, sorted by row index (file-level problems, row `-1`, first). */
  readonly problems: readonly WeComRowProblem[];
  /** How many rows were checked. */
  readonly rowCount: number;
  /** Number of distinct rows with at least one problem. */
  readonly invalidRowCount: number;

  constructor(kind: 'member' | 'department', problems: readonly WeComRowProblem[], rowCount: number) {
    const sorted = [...problems].sort((a, b) => a.row - b.row);
    const invalidRows = new Set(sorted.filter((p) => p.row >= 0).map((p) => p.row)).size;
    super(summarise(kind, sorted, rowCount, invalidRows));
    this.problems = sorted;
    this.rowCount = rowCount;
    this.invalidRowCount = invalidRows;
  }
}

function summarise(kind: string, problems: readonly WeComRowProblem[], rowCount: number, invalidRows: number): string {
  if (rowCount === 0) {
    // Nothing to count rows of: "1 problem in 0 of 0 rows" would only puzzle.
    return `Invalid ${kind} rows: the list is empty — WeCom refuses an import file without rows (40092); nothing was uploaded.`;
  }
  const shown = problems.slice(0, MESSAGE_PROBLEM_LIMIT).map((p) => {
    const where = p.row < 0 ? 'file' : `${rowLabel(p.row)} ${p.field}`;
    return `  - ${where}: ${p.message}${p.code === undefined ? '' : ` (${p.code})`}`;
  });
  const more = problems.length - shown.length;
  const s = (n: number) => (n === 1 ? '' : 's');
  return (
    `Invalid ${kind} rows: ${problems.length} problem${s(problems.length)} in ${invalidRows} of ${rowCount} row${s(rowCount)}; ` +
    `nothing was uploaded.\n${shown.join('\n')}` +
    (more > 0 ? `\n  … and ${more} more (see error.problems)` : '')
  );
}
