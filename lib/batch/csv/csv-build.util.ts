import { WeComRowValidationError, type WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { checkRowsSteps, SliceClock, type RowsCheck, type RowStepOptions } from '../rows/row-steps.util.js';
import { needsCsvQuoting } from '../rows/wecom-rule.util.js';
import type { RowValidationOptions } from '../rows/row.validator.js';

/** Options of the CSV writers and builders. */
export interface CsvBuildOptions extends RowValidationOptions, RowStepOptions {}

/** A finished import file. */
export interface CsvBuildResult {
  /** The CSV: UTF-8 without BOM, LF line endings, header row first. */
  csv: Buffer;
  /** Number of data rows (the header not counted). */
  rows: number;
  /** The header row, in file order. */
  columns: string[];
}

/** Decides a file's columns from its rows, then turns each row into its cells. */
export interface CsvColumns<R> {
  /** Notes which columns valid `row` uses and their size (called for every row before any `cells`). */
  add(row: R): void;
  /** Exact size in bytes of the data rows (header excluded), once every row was added. */
  dataBytes(): number;
  headers(): string[];
  /** The field path of each column, in header order (`mobile`, `extAttrs.年龄`), for problems. */
  fields(): string[];
  /** The row's cells, in header order; `undefined` is an empty cell. */
  cells(row: R): (string | undefined)[];
  /** The row's record as the file has it: `cells(row)` through {@link csvCell}, joined by `,`, then LF. */
  record(row: R): string;
}

/**
 * One cell as WeCom's file has it — the RFC 4180 subset csv-stringify wrote with the settings this module used
 * (`,` between cells, LF after every record, no BOM, quotes only where needed): a cell containing `,` `"` CR or
 * LF is put in double quotes with each `"` doubled (a lone CR too, so it cannot read as a CRLF line end); any
 * other cell is written as it is; `undefined`, `null` and `''` are an empty cell. In strict mode validation has
 * already refused every value that needs quoting, so nothing is quoted then. Hand-written rather than
 * csv-stringify: the cells are plain strings, and its per-record work (a `[value, field]` pair and an options
 * lookup per cell) was 14–24 % of the time of validate + CSV in CPU profiles at 100,000–1,000,000 rows.
 */
export function csvCell(cell: unknown): string {
  const text = typeof cell === 'string' ? cell : castCell(cell);
  if (text === '' || !needsCsvQuoting(text)) return text;
  return `"${text.includes('"') ? text.replaceAll('"', '""') : text}"`;
}

/**
 * A cell value that is not a string, as csv-stringify's default casts wrote it. Valid rows only produce
 * strings; this is for a row changed after its check (during an async build), so its bytes stay as before.
 */
function castCell(cell: unknown): string {
  switch (typeof cell) {
    case 'undefined':
      return '';
    case 'number':
    case 'bigint':
      return String(cell);
    case 'boolean':
      return cell ? '1' : '';
    case 'object':
      if (cell === null) return '';
      return cell instanceof Date ? String(cell.getTime()) : (JSON.stringify(cell) ?? '');
    default:
      return String(cell);
  }
}

/** A record: its cells (see {@link csvCell}) joined by `,`, then LF. */
export function csvRecord(cells: readonly unknown[]): string {
  let line = cells.length > 0 ? csvCell(cells[0]) : '';
  for (let i = 1; i < cells.length; i++) line += `,${csvCell(cells[i])}`;
  return `${line}\n`;
}

/** Rows written between two looks at the clock: a block takes well under a millisecond. */
const BLOCK_ROWS = 256;

/**
 * First pass: validates every row and works out the columns and the file's exact size; throws
 * {@link WeComRowValidationError} with every problem before writing anything. Second pass: writes the rows'
 * records 256 at a time, as one string per block, into one buffer of that size. Yields whenever a time slice
 * is used up; no class instance is kept for a valid row. Rows must not change while this runs (a change that
 * would need quoting in strict mode is detected and refused).
 */
export function* buildCsvSteps<R>(
  check: RowsCheck<R>,
  columns: CsvColumns<R>,
  input: Iterable<unknown>,
  options: CsvBuildOptions,
): Generator<void, CsvBuildResult, void> {
  const checked = yield* checkRowsSteps(check, input, options, (row) => columns.add(row));
  if (checked.problems.length > 0) {
    throw new WeComRowValidationError(check.kind, checked.problems, checked.rows.length);
  }

  const headers = columns.headers();
  const rows = checked.rows;
  const head = csvRecord(headers);
  const out = new ByteSink(Buffer.byteLength(head, 'utf8') + columns.dataBytes());
  out.write(head);
  const clock = new SliceClock(options.sliceMs);
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, rows.length);
    out.write(blockRecords(check, columns, rows, start, end, options).text);
    // Checked per block rather than per row: a block of 256 rows takes well under a millisecond.
    if (clock.dueNow()) {
      yield;
      clock.restart();
    }
  }
  return { csv: out.bytes(), rows: rows.length, columns: headers };
}

/**
 * The records of `rows[start, end)` and their text. In strict mode a `"` in the text means some cell needed
 * quoting (every such cell is quoted, and a quote itself needs quoting), which validation refused: the rows
 * were changed after they were checked, so the block is refused rather than written.
 */
export function blockRecords<R>(
  check: RowsCheck<R>,
  columns: CsvColumns<R>,
  rows: readonly unknown[],
  start: number,
  end: number,
  options: CsvBuildOptions,
): { records: string[]; text: string } {
  const records = new Array<string>(end - start);
  for (let i = start; i < end; i++) records[i - start] = columns.record(check.view(rows[i]) as R);
  // One join per block: a flat string of about 20 KB, encoded into the file with one call.
  const text = records.join('');
  if (!options.allowCsvQuoting && text.includes('"')) {
    throw changedWhileWriting(check, columns, rows, start, end);
  }
  return { records, text };
}

/**
 * Bytes a cell takes in the file: its UTF-8 length, plus the quotes around it and the doubled `"` inside when
 * quoting is on and the cell needs it (see {@link csvCell}: it contains `,` `"` CR or LF).
 */
export function cellBytes(cell: string, quoting: boolean): number {
  const bytes = Buffer.byteLength(cell, 'utf8');
  if (!quoting || !needsCsvQuoting(cell)) return bytes;
  let quotes = 0;
  for (let i = cell.indexOf('"'); i >= 0; i = cell.indexOf('"', i + 1)) quotes++;
  return bytes + 2 + quotes;
}

/**
 * Collects the file in one Buffer of the size computed during the first pass, so writing it costs its own
 * size in memory, where chunks plus `Buffer.concat` cost twice that at the end. Grows if the computed size
 * was short (it should not be) and trims if it was long, so the bytes are right either way.
 */
export class ByteSink {
  private buf: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    // Zero-filled (alloc, not allocUnsafe): any unused room would stay reachable through `.buffer`.
    this.buf = Buffer.alloc(expectedBytes);
  }

  write(text: string): void {
    const needed = this.length + Buffer.byteLength(text, 'utf8');
    if (needed > this.buf.length) {
      const grown = Buffer.alloc(Math.max(needed, Math.ceil(this.buf.length * 1.5)));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** The bytes written, without a copy (the room left over stays allocated until the view is dropped). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  bytes(): Buffer {
    return this.length === this.buf.length ? this.buf : Buffer.from(this.buf.subarray(0, this.length));
  }
}

/**
 * A cell needed quoting although validation refused all such values: the rows were changed after they were
 * checked (during an async build). Refuse rather than upload a file that differs from what was validated.
 */
function changedWhileWriting<R>(
  check: RowsCheck<R>,
  columns: CsvColumns<R>,
  rows: readonly unknown[],
  start: number,
  end: number,
): WeComRowValidationError {
  const problems: WeComRowProblem[] = [];
  const fields = columns.fields();
  for (let i = start; i < end; i++) {
    columns.cells(check.view(rows[i]) as R).forEach((cell, c) => {
      if (csvCell(cell).startsWith('"')) {
        problems.push({
          row: i,
          field: fields[c],
          message:
            'changed while the CSV was being written and now needs CSV quoting; do not modify rows during a build',
        });
      }
    });
  }
  return new WeComRowValidationError(check.kind, problems, rows.length);
}
