import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';
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
}

/**
 * csv-stringify settings for WeCom: `,` between cells, LF after every record (the last one too), no BOM, and
 * RFC 4180 quoting only where a cell needs it. In strict mode validation has already refused every such cell,
 * so nothing is ever quoted then.
 */
export const STRINGIFY: StringifyOptions = {
  delimiter: ',',
  record_delimiter: 'unix',
  // Also quote a lone CR: csv-stringify only quotes the chosen record delimiter (LF) once one is set, and an
  // unquoted CR before the LF would read as a CRLF line end.
  quote_record_delimiter: true,
  eof: true,
  bom: false,
  header: false,
  quote: '"',
  escape: '"',
  quoted: false,
  quoted_empty: false,
  quoted_string: false,
  escape_formulas: false,
};

/** Rows stringified at once: big enough to amortise csv-stringify's per-call set-up, small enough to slice. */
const BLOCK_ROWS = 256;

/**
 * First pass: validates every row and works out the columns and the file's exact size; throws
 * {@link WeComRowValidationError} with every problem before writing anything. Second pass: stringifies the
 * rows 256 at a time into one buffer of that size. Yields whenever a time slice is used up; no class
 * instance is kept for a valid row. Rows must not change while this runs (a change that would need quoting
 * in strict mode is detected and refused).
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
  const head = stringify([headers], STRINGIFY);
  const out = new ByteSink(Buffer.byteLength(head, 'utf8') + columns.dataBytes());
  out.write(head);
  const clock = new SliceClock(options.sliceMs);
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, rows.length);
    const block = new Array<(string | undefined)[]>(end - start);
    for (let i = start; i < end; i++) block[i - start] = columns.cells(check.view(rows[i]) as R);
    const text = stringify(block, STRINGIFY);
    if (!options.allowCsvQuoting && text.includes('"')) {
      throw changedWhileWriting(check, block, start, columns.fields(), rows.length);
    }
    out.write(text);
    // Checked per block rather than per row: a block of 256 rows takes well under a millisecond.
    if (clock.dueNow()) {
      yield;
      clock.restart();
    }
  }
  return { csv: out.bytes(), rows: rows.length, columns: headers };
}

/**
 * Bytes a cell takes in the file: its UTF-8 length, plus the quotes around it and the doubled `"` inside when
 * quoting is on and the cell needs it (csv-stringify's rule: it contains `,` `"` CR or LF).
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
export function changedWhileWriting<R>(
  check: RowsCheck<R>,
  block: (string | undefined)[][],
  start: number,
  fields: string[],
  rowCount: number,
): WeComRowValidationError {
  const problems: WeComRowProblem[] = [];
  block.forEach((cells, i) =>
    cells.forEach((cell, c) => {
      if (cell !== undefined && needsCsvQuoting(cell)) {
        problems.push({
          row: start + i,
          field: fields[c],
          message:
            'changed while the CSV was being written and now needs CSV quoting; do not modify rows during a build',
        });
      }
    }),
  );
  return new WeComRowValidationError(check.kind, problems, rowCount);
}
