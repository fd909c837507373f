import { WeComApiError } from '../../errors/wecom-api.error.js';
import { yieldToEventLoop } from '../../internal/backoff.util.js';
import type { BatchJobResult, BatchResultRow } from '../../model/batch-job.types.js';
import { JsonRowsSplitter } from './json-rows.splitter.js';

/** A `batch/getresult` answer without its rows. */
export type BatchJobResultHead = Omit<BatchJobResult, 'result'>;

/** How {@link readResultStream} hands rows on. */
export interface ResultRowsSink {
  /**
   * Called with the rows in order, in batches of about `batchRows` (a network chunk more at most); reading pauses until it resolves (so a
   * slow store slows the download instead of piling rows up in memory). Without it, reading stops at the rows.
   */
  onRows?: ((rows: BatchResultRow[]) => Promise<void> | void) | undefined;
  /** Rows per `onRows` call. */
  batchRows?: number | undefined;
}

/** Rows handed on at once by default: ~100 KB of JSON, a few ms of `JSON.parse` and of work for the receiver. */
export const RESULT_BATCH_ROWS = 2_000;

/** Parsing is handed back to the event loop at least this often (a body arrives in ~64 KB pieces). */
const SLICE_MS = 8;

/** The raw fields of a row, as WeCom sends them (unknown fields are ignored). */
export interface RawResultRow {
  userid?: unknown;
  partyid?: unknown;
  action?: unknown;
  errcode?: unknown;
  errmsg?: unknown;
}

/**
 * Reads a `batch/getresult` answer from its body as it arrives ({@link JsonRowsSplitter}): the top-level
 * fields whatever their order, and the `result` rows cut out as raw bytes and parsed a batch at a time — a
 * 1,000,000-row answer is never one string, one `JSON.parse` or one array. Rejects with `apiError(errcode)` for
 * an errcode answer, and with a `SyntaxError` for a body that is not such a JSON object (cut off, or not JSON).
 */
export async function readResultStream(
  jobId: string,
  body: AsyncIterable<Buffer>,
  sink: ResultRowsSink,
  toRow: (raw: RawResultRow, type: string) => BatchResultRow,
  apiError: (errcode: number, errmsg: unknown) => WeComApiError,
): Promise<BatchJobResultHead & { rows: number }> {
  const batchRows = sink.batchRows ?? RESULT_BATCH_ROWS;
  const splitter = new JsonRowsSplitter();
  let type: string | undefined;
  let rows = 0;
  let early: Record<string, unknown> | undefined;
  const flush = async (): Promise<void> => {
    if (splitter.pendingRows === 0) return;
    // The type is known before the rows in WeCom's answers; a party answer without it is still recognised by
    // its fields (toResultRow).
    type ??= String(splitter.headSoFar()?.type ?? '');
    const raw = splitter.takeRows() as RawResultRow[];
    const typed = new Array<BatchResultRow>(raw.length);
    for (let i = 0; i < raw.length; i++) typed[i] = toRow(raw[i], type);
    rows += typed.length;
    await sink.onRows?.(typed);
  };

  let sliceStart = performance.now();
  for await (const chunk of body) {
    splitter.write(chunk);
    if (splitter.rowsStarted) {
      const soFar = splitter.headSoFar();
      const errcode = Number(soFar?.errcode ?? 0);
      if (errcode !== 0) throw apiError(errcode, soFar?.errmsg);
      if (!sink.onRows && soFar?.status !== undefined) {
        // Progress only: the header is all we need, stop at the rows (the connection is closed).
        early = soFar;
        break;
      }
    }
    if (!sink.onRows) {
      // Rows before the status (JSON field order is no promise): drop them as they come.
      if (splitter.pendingRows > 0) splitter.takeRows();
    } else if (splitter.pendingRows >= batchRows) {
      await flush();
    }
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  const head = early ?? splitter.head();
  const errcode = Number(head.errcode ?? 0);
  if (errcode !== 0) throw apiError(errcode, head.errmsg);
  if (sink.onRows) await flush();
  const status = Number(head.status);
  if (status !== 1 && status !== 2 && status !== 3) {
    throw new WeComApiError({
      kind: 'response',
      endpoint: 'batch/getresult',
      errmsg: `unexpected job status ${String(head.status)} (job ${jobId})`,
      retryable: false,
    });
  }
  return {
    jobId,
    status,
    type: typeof head.type === 'string' ? head.type : '',
    total: toNumber(head.total),
    // Documented as an integer; a legacy SDK parses it as a float: accept any number.
    percentage: toNumber(head.percentage),
    rows,
  };
}

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
