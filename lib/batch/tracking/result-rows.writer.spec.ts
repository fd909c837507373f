import { describe, expect, it } from '@jest/globals';
import type { BatchUserResultRow } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { INLINE_RESULT_ROWS, readResultChunks, ResultRowsWriter } from './result-rows.writer.js';

const rows = (n: number, from = 0): BatchUserResultRow[] =>
  Array.from({ length: n }, (_, i) => ({
    userid: `u${from + i}`,
    errcode: (from + i) % 1000 === 0 ? 60104 : 0,
    errmsg: 'ok',
  }));

async function collect(it: AsyncIterable<BatchUserResultRow>): Promise<BatchUserResultRow[]> {
  const out: BatchUserResultRow[] = [];
  for await (const row of it) out.push(row);
  return out;
}

describe('ResultRowsWriter', () => {
  it('up to 10,000 rows: inline, no chunk written', async () => {
    const store = new MemoryStore();
    const writer = new ResultRowsWriter(store, 'corp', 'job', 60_000);
    await writer.add(rows(INLINE_RESULT_ROWS));
    const info = await writer.finish();
    expect(info).toMatchObject({ totalRows: INLINE_RESULT_ROWS, failedRows: 10 });
    expect(info.result).toHaveLength(INLINE_RESULT_ROWS);
    expect(info.resultChunks).toBeUndefined();
    expect(await store.getResultChunk('corp', 'job', 0)).toBeNull();
  });

  it('more: chunks of at most 5,000 rows in order, failed rows at hand, read back whole', async () => {
    const store = new MemoryStore();
    const writer = new ResultRowsWriter(store, 'corp', 'job', 60_000);
    for (let i = 0; i < 60_000; i += 1_700) await writer.add(rows(Math.min(1_700, 60_000 - i), i));
    const info = await writer.finish();
    expect(info.result).toBeUndefined();
    expect(info).toMatchObject({ totalRows: 60_000, failedRows: 60, resultChunks: 12 });
    expect(info.failedResult?.map((r) => (r as BatchUserResultRow).userid)).toEqual(
      rows(60_000)
        .filter((r) => r.errcode)
        .map((r) => r.userid),
    );
    for (let i = 0; i < 12; i++)
      expect((await store.getResultChunk('corp', 'job', i))?.length).toBeLessThanOrEqual(5_000);
    expect(await collect(readResultChunks(store, 'corp', 'job', 12) as AsyncIterable<BatchUserResultRow>)).toEqual(
      rows(60_000),
    );
  });

  it('a store without chunk methods keeps every row inline, as before', async () => {
    const memory = new MemoryStore();
    const plain: WeComBatchStore = { ...memory, saveJob: memory.saveJob.bind(memory) } as unknown as WeComBatchStore;
    delete (plain as Partial<WeComBatchStore>).saveResultChunk;
    const writer = new ResultRowsWriter(plain, 'corp', 'job', 60_000);
    await writer.addAll(rows(25_000));
    const info = await writer.finish();
    expect(info.result).toHaveLength(25_000);
    expect(info.resultChunks).toBeUndefined();
  });

  it('reset() starts over (a retried getresult); an expired chunk is a clear store error', async () => {
    const now = { t: 0 };
    const store = new MemoryStore({ now: () => now.t });
    const writer = new ResultRowsWriter(store, 'corp', 'job', 1_000);
    await writer.add(rows(12_000));
    writer.reset();
    await writer.add(rows(11_000));
    const info = await writer.finish();
    expect(info).toMatchObject({ totalRows: 11_000, resultChunks: 3 });
    expect(await collect(readResultChunks(store, 'corp', 'job', 3) as AsyncIterable<BatchUserResultRow>)).toHaveLength(
      11_000,
    );
    now.t = 5_000;
    await expect(
      collect(readResultChunks(store, 'corp', 'job', 3) as AsyncIterable<BatchUserResultRow>),
    ).rejects.toThrow(/chunk 1 of 3 .* is gone/);
  });
  it('hands the event loop back while a listener works through a chunk: timers keep running', async () => {
    const store = new MemoryStore();
    await store.saveResultChunk('corp', 'job', 0, rows(5_000), 60_000);
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 1);
    let read = 0;
    try {
      // A listener spending 20 µs a row: 100 ms for the chunk, which must not be one task.
      for await (const row of readResultChunks(store, 'corp', 'job', 1)) {
        const until = performance.now() + 0.02;
        while (performance.now() < until && row.errcode >= 0);
        read++;
      }
    } finally {
      clearInterval(timer);
    }
    // The stretch since the last tick counts too (a loop held to the end never ran the timer at all).
    longestGap = Math.max(longestGap, performance.now() - last);
    expect(read).toBe(5_000);
    expect(longestGap).toBeLessThan(60);
  });
});
