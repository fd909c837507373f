import { WeComStoreError } from '../../errors/wecom-store.error.js';
import { yieldToEventLoop } from '../../internal/backoff.util.js';
import type { BatchResultRow } from '../../model/batch-job.types.js';
import type { JobCompletionInfo, WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';

/** Jobs of up to this many rows keep them inline in the record and the payload's `result` (as before chunking). */
export const INLINE_RESULT_ROWS = 10_000;
/** Failed rows kept inline (`failedResult`, the payload's `failed`) when the rows are chunked. */
export const INLINE_FAILED_ROWS = 10_000;
/** A chunk holds at most this many rows… */
const CHUNK_ROWS = 5_000;
/** …and about this many bytes of JSON (long errmsg strings): far under the 4 MB a store value may take. */
const CHUNK_BYTES = 1024 * 1024;
/** JSON around a row besides its strings: `{"userid":"","errcode":0,"errmsg":""},` and a party row's extras. */
const ROW_OVERHEAD_BYTES = 96;

/** What a completion record says about its rows. */
export type ResultRowsInfo = Pick<
  JobCompletionInfo,
  'result' | 'failedRows' | 'totalRows' | 'resultChunks' | 'failedResult'
>;

/**
 * Persists a finished job's rows as they are parsed: up to {@link INLINE_RESULT_ROWS} inline (the record and
 * the payload's `result`, as before), past that — on a store with `saveResultChunk` — in chunks of at most 5,000
 * rows / ~1 MB each, written as they fill, so neither this process nor the store ever holds the whole result as
 * one value. A store without chunk methods keeps every row inline, as before 0.2.
 */
export class ResultRowsWriter {
  private readonly chunked: boolean;
  private inline: BatchResultRow[] | undefined = [];
  private chunk: BatchResultRow[] = [];
  private chunkBytes = 0;
  private chunks = 0;
  private total = 0;
  private failed = 0;
  private failedSample: BatchResultRow[] = [];

  constructor(
    private readonly store: WeComBatchStore,
    private readonly corpId: string,
    private readonly jobId: string,
    private readonly ttlMs: number,
  ) {
    this.chunked = typeof store.saveResultChunk === 'function' && typeof store.getResultChunk === 'function';
  }

  /** Forgets what was added (a retried getresult starts over; chunks already written are overwritten). */
  reset(): void {
    this.inline = [];
    this.chunk = [];
    this.chunkBytes = 0;
    this.chunks = 0;
    this.total = 0;
    this.failed = 0;
    this.failedSample = [];
  }

  /** Adds rows in order; resolves once any chunk they completed is stored. */
  async add(rows: readonly BatchResultRow[]): Promise<void> {
    for (const row of rows) {
      this.total++;
      if (row.errcode !== 0) {
        this.failed++;
        if (this.failedSample.length < INLINE_FAILED_ROWS) this.failedSample.push(row);
      }
    }
    if (this.inline !== undefined) {
      for (const row of rows) this.inline.push(row);
      if (!this.chunked || this.inline.length <= INLINE_RESULT_ROWS) return;
      // Too many for the record: from now on every row goes to chunks, starting with those held so far.
      rows = this.inline;
      this.inline = undefined;
    }
    for (const row of rows) {
      this.chunk.push(row);
      this.chunkBytes += rowBytes(row);
      if (this.chunk.length >= CHUNK_ROWS || this.chunkBytes >= CHUNK_BYTES) await this.flush();
    }
  }

  /** Adds an array already in memory (a getresult answer in hand), a chunk at a time, yielding in between. */
  async addAll(rows: readonly BatchResultRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      await this.add(rows.slice(i, i + CHUNK_ROWS));
      await yieldToEventLoop();
    }
  }

  /** Stores the last chunk; what the completion record says about the rows. */
  async finish(): Promise<ResultRowsInfo> {
    if (this.inline !== undefined) {
      return { result: this.inline, failedRows: this.failed, totalRows: this.total };
    }
    if (this.chunk.length > 0) await this.flush();
    return {
      failedRows: this.failed,
      totalRows: this.total,
      resultChunks: this.chunks,
      failedResult: this.failedSample,
    };
  }

  private async flush(): Promise<void> {
    const rows = this.chunk;
    this.chunk = [];
    this.chunkBytes = 0;
    await this.store.saveResultChunk!(this.corpId, this.jobId, this.chunks++, rows, this.ttlMs);
  }
}

/**
 * Reading hands the event loop back at least this often. A row reaches a listener through several async
 * generators (a split run's parts, `rows()`), a few promises each: 5,000 rows of a chunk in one go held the loop
 * ~200 ms on the 2-core machine at 1,000,000 rows (the consumer's own work per row comes on top).
 */
const READ_SLICE_MS = 8;
/** Rows between two looks at the clock. */
const CLOCK_EVERY_ROWS = 256;

/**
 * Reads the chunks a {@link ResultRowsWriter} stored, one at a time, in order, handing the event loop back
 * between chunks and every {@link READ_SLICE_MS} within one (the time the listener spends on its rows included).
 * @throws WeComStoreError when a chunk is gone (expired with the record, or evicted)
 */
export async function* readResultChunks(
  store: WeComBatchStore,
  corpId: string,
  jobId: string,
  chunks: number,
): AsyncGenerator<BatchResultRow, void, undefined> {
  for (let index = 0; index < chunks; index++) {
    const rows = store.getResultChunk ? await store.getResultChunk(corpId, jobId, index) : null;
    if (rows === null) {
      throw new WeComStoreError(
        'getResultChunk',
        `chunk ${index + 1} of ${chunks} of the result rows of job ${jobId} is gone (expired after ` +
          'jobRecordTtlSeconds, or evicted by the backend)',
      );
    }
    let sliceStart = performance.now();
    for (let i = 0; i < rows.length; i++) {
      yield rows[i];
      if (i % CLOCK_EVERY_ROWS === CLOCK_EVERY_ROWS - 1 && performance.now() - sliceStart > READ_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    // A store in this process (MemoryStore) answers without I/O: hand the event loop back between chunks too, or
    // a listener reading 1,000,000 rows would hold it for every JSON.parse in a row.
    await yieldToEventLoop();
  }
}

function rowBytes(row: BatchResultRow): number {
  const id = 'userid' in row ? row.userid.length : 0;
  // Strings counted as 3 bytes a character: the worst case of UTF-8 for the BMP (Chinese errmsg).
  return ROW_OVERHEAD_BYTES + 3 * (id + row.errmsg.length);
}
