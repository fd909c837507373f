import { WeComFileTooLargeError } from '../../errors/wecom-file-too-large.error.js';
import { WeComRowValidationError } from '../../errors/wecom-row-validation.error.js';
import { yieldToEventLoop } from '../../internal/backoff.util.js';
import { checkRowsSteps, SliceClock, type RowsCheck } from '../rows/row-steps.util.js';
import { blockRecords, ByteSink, csvRecord, type CsvBuildOptions, type CsvColumns } from './csv-build.util.js';

/** One import file of a (possibly split) CSV: the header, then input rows `[firstRow, firstRow + rows)`. */
export interface CsvPart {
  /** 0-based position of the part. */
  index: number;
  csv: Buffer;
  /** 0-based index, in the input, of the part's first row. */
  firstRow: number;
  /** Data rows in the part. */
  rows: number;
}

/** What {@link buildCsvPartsSteps} learnt before writing: the whole file's size and rows. */
export interface CsvPartsPlan {
  /** Size the file would have in one piece (header + every row). */
  bytes: number;
  rows: number;
  headers: string[];
}

/** How a file over the limit is handled. */
export interface CsvPartsLimit {
  /** Largest part, header included (`mediaLimitBytes`). */
  maxBytes: number;
  /** The job type, for `WeComFileTooLargeError`. */
  jobType: string;
  /** True for a sync (split at row boundaries); false for a replace (refused before anything is written). */
  split: boolean;
}

/** Rows written at once (as in `buildCsvSteps`). */
const BLOCK_ROWS = 256;

type Step = { part: CsvPart } | { plan: CsvPartsPlan } | void;

/**
 * Validates every row (all problems at once, nothing written before), then — knowing the file's exact size from
 * the first pass — writes it as one part, or, when it is over `limit.maxBytes` and may be split, as several
 * parts cut at row boundaries, the header first in each, each as full as the limit allows. Each part is yielded
 * as soon as it is written, so a caller that uploads it and lets go of it holds one part at a time, never the
 * whole 1,000,000-row file. Over the limit without `split`: `WeComFileTooLargeError` before any writing.
 */
export function* buildCsvPartsSteps<R>(
  check: RowsCheck<R>,
  columns: CsvColumns<R>,
  input: Iterable<unknown>,
  options: CsvBuildOptions,
  limit: CsvPartsLimit,
): Generator<Step, void, void> {
  const checked = yield* checkRowsSteps(check, input, options, (row) => columns.add(row));
  if (checked.problems.length > 0) {
    throw new WeComRowValidationError(check.kind, checked.problems, checked.rows.length);
  }
  const headers = columns.headers();
  const head = csvRecord(headers);
  const headBytes = Buffer.byteLength(head, 'utf8');
  const dataBytes = columns.dataBytes();
  const rows = checked.rows;
  const bytes = headBytes + dataBytes;
  yield { plan: { bytes, rows: rows.length, headers } };
  if (bytes > limit.maxBytes && !limit.split) throw new WeComFileTooLargeError(limit.jobType, bytes, limit.maxBytes);

  let written = 0;
  let index = 0;
  let firstRow = 0;
  const open = (): ByteSink => {
    const sink = new ByteSink(Math.min(limit.maxBytes, headBytes + dataBytes - written));
    sink.write(head);
    return sink;
  };
  let sink = open();
  const close = (endRow: number): CsvPart => {
    const part = { index: index++, csv: sink.view(), firstRow, rows: endRow - firstRow };
    firstRow = endRow;
    return part;
  };
  const clock = new SliceClock(options.sliceMs);
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    const end = Math.min(start + BLOCK_ROWS, rows.length);
    const { records, text } = blockRecords(check, columns, rows, start, end, options);
    const textBytes = Buffer.byteLength(text, 'utf8');
    if (sink.size + textBytes <= limit.maxBytes) {
      sink.write(text);
      written += textBytes;
    } else {
      // The block crosses the limit: place its rows one by one, closing the part at the last row that fits.
      // The block's records as checked above, not the rows read again: the caller runs between two parts.
      for (let i = start; i < end; i++) {
        const line = records[i - start];
        const lineBytes = Buffer.byteLength(line, 'utf8');
        if (sink.size + lineBytes > limit.maxBytes) {
          if (i === firstRow) {
            // A single row larger than the limit with its header: no split can make it fit.
            throw new WeComFileTooLargeError(limit.jobType, headBytes + lineBytes, limit.maxBytes);
          }
          yield { part: close(i) };
          sink = open();
        }
        sink.write(line);
        written += lineBytes;
      }
    }
    if (clock.dueNow()) {
      yield;
      clock.restart();
    }
  }
  yield { part: close(rows.length) };
}

/**
 * Drives {@link buildCsvPartsSteps}: hands the event loop back at every time slice, calls `onPlan` once the rows
 * are valid (before anything is written), and awaits `onPart` for each part before writing the next.
 */
export async function writeCsvParts(
  steps: Generator<Step, void, void>,
  onPlan: (plan: CsvPartsPlan) => void | Promise<void>,
  onPart: (part: CsvPart) => Promise<void>,
): Promise<void> {
  for (;;) {
    const step = steps.next();
    if (step.done) return;
    if (!step.value) await yieldToEventLoop();
    else if ('plan' in step.value) await onPlan(step.value.plan);
    else await onPart(step.value.part);
  }
}

/**
 * Splits a ready CSV (a `{ csv }` source) at record boundaries into parts of at most `maxBytes`, the header
 * (its first record) at the start of each. Records are cut at LF outside double quotes, so a quoted cell with a
 * line break stays whole. The parts are views of `csv` plus a copy of the header: no copy of the whole file.
 * @throws WeComFileTooLargeError when one record with the header is over the limit
 */
export function splitCsvBuffer(csv: Buffer, maxBytes: number, jobType: string): CsvPart[] {
  const ends = recordEnds(csv);
  const headEnd = ends[0] ?? csv.length;
  const head = csv.subarray(0, headEnd);
  const parts: CsvPart[] = [];
  const push = (from: number, to: number, firstRow: number, rows: number): void => {
    parts.push({ index: parts.length, csv: Buffer.concat([head, csv.subarray(from, to)]), firstRow, rows });
  };
  let partStart = headEnd;
  let firstRow = 0;
  for (let r = 1; r < ends.length; r++) {
    const rowStart = ends[r - 1];
    const rowEnd = ends[r];
    if (head.length + rowEnd - partStart <= maxBytes) continue;
    // A single record larger than the limit with its header: no split can make it fit.
    if (rowStart === partStart) throw new WeComFileTooLargeError(jobType, head.length + rowEnd - rowStart, maxBytes);
    push(partStart, rowStart, firstRow, r - 1 - firstRow);
    partStart = rowStart;
    firstRow = r - 1;
  }
  push(partStart, csv.length, firstRow, ends.length - 1 - firstRow);
  return parts;
}

/** The offsets just after each record's LF (the last record may end without one: then `csv.length`). */
function recordEnds(csv: Buffer): number[] {
  const ends: number[] = [];
  const quoted = csv.indexOf(34) !== -1;
  let inQuotes = false;
  let from = 0;
  for (let lf = csv.indexOf(10); lf !== -1; lf = csv.indexOf(10, lf + 1)) {
    if (quoted) {
      // Each `"` toggles (a doubled `""` inside a cell toggles twice): an LF inside quotes is part of a cell.
      for (let q = csv.indexOf(34, from); q !== -1 && q < lf; q = csv.indexOf(34, q + 1)) inQuotes = !inQuotes;
      from = lf + 1;
      if (inQuotes) continue;
    }
    ends.push(lf + 1);
  }
  if (ends.length === 0 || ends[ends.length - 1] < csv.length) ends.push(csv.length);
  return ends;
}
