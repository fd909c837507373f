import { stringify, type Options as StringifyOptions } from 'csv-stringify/sync';
import { WeComRowValidationError, type WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { checkRowsSteps, SliceClock, type RowsCheck, type RowStepOptions } from '../rows/row-steps.js';
import type { RowValidationOptions } from '../rows/row-validator.js';

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
  /** Notes which columns `row` uses (called for every row before any `cells`). */
  add(row: R): void;
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
const STRINGIFY: StringifyOptions = {
  delimiter: ',',
  record_delimiter: 'unix',
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
 * Validates every row (first pass; throws {@link WeComRowValidationError} with every problem before writing
 * anything), then writes the CSV in blocks of Buffers (second pass), yielding whenever a time slice is used
 * up. Rows must not change while this runs.
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
  const chunks: Buffer[] = [Buffer.from(stringify([headers], STRINGIFY), 'utf8')];
  let size = chunks[0].length;
  const clock = new SliceClock(options.sliceMs);
  const rows = checked.rows;
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, rows.length);
    const block = new Array<(string | undefined)[]>(end - start);
    for (let i = start; i < end; i++) block[i - start] = columns.cells(check.view(rows[i]) as R);
    const text = stringify(block, STRINGIFY);
    if (!options.allowCsvQuoting && text.includes('"'))
      throw changedWhileWriting(check, block, start, columns.fields());
    const chunk = Buffer.from(text, 'utf8');
    chunks.push(chunk);
    size += chunk.length;
    // Checked per block rather than per row: a block of 256 rows takes well under a millisecond.
    if (clock.dueNow()) {
      yield;
      clock.restart();
    }
  }
  return { csv: Buffer.concat(chunks, size), rows: rows.length, columns: headers };
}

/**
 * A cell needed quoting although validation refused all such values: the rows were changed after they were
 * checked (during an async build). Refuse rather than upload a file that differs from what was validated.
 */
function changedWhileWriting<R>(
  check: RowsCheck<R>,
  block: (string | undefined)[][],
  start: number,
  fields: string[],
): WeComRowValidationError {
  const problems: WeComRowProblem[] = [];
  block.forEach((cells, i) =>
    cells.forEach((cell, c) => {
      if (cell !== undefined && /[,"\r\n]/.test(cell)) {
        problems.push({
          row: start + i,
          field: fields[c],
          message:
            'changed while the CSV was being written and now needs CSV quoting; do not modify rows during a build',
        });
      }
    }),
  );
  return new WeComRowValidationError(check.kind, problems, problems.length);
}
