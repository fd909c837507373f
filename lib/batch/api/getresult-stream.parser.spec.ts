import { describe, expect, it } from '@jest/globals';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import type { BatchResultRow } from '../../model/batch-job.types.js';
import { toResultRow } from './batch-api.service.js';
import { readResultStream } from './getresult-stream.parser.js';

const apiError = (errcode: number, errmsg: unknown): WeComApiError =>
  new WeComApiError({ kind: 'api', endpoint: 'batch/getresult', errcode, errmsg: String(errmsg), retryable: false });

/** The body cut into pieces of `size` bytes, as a socket delivers it (a cut may fall inside a UTF-8 character). */
async function* pieces(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function answer(rows: object[], head: Record<string, unknown> = {}): string {
  return JSON.stringify({
    errcode: 0,
    errmsg: 'ok',
    status: 3,
    type: 'sync_user',
    total: rows.length,
    percentage: 100,
    ...head,
    result: rows,
  });
}

describe('readResultStream', () => {
  it('hands every row on in order, in batches, whatever the cuts (also inside a Chinese errmsg)', async () => {
    const raw = Array.from({ length: 12_345 }, (_, i) => ({
      userid: `u${i}`,
      errcode: i % 7 === 0 ? 60104 : 0,
      errmsg: i % 7 === 0 ? '手机号码已存在' : 'ok',
    }));
    const got: BatchResultRow[] = [];
    const batches: number[] = [];
    const head = await readResultStream(
      'job',
      pieces(answer(raw), 997),
      { batchRows: 1000, onRows: (rows) => void (batches.push(rows.length), got.push(...rows)) },
      toResultRow,
      apiError,
    );
    expect(head).toMatchObject({ status: 3, type: 'sync_user', total: 12_345, percentage: 100, rows: 12_345 });
    expect(got).toEqual(raw);
    expect(Math.max(...batches)).toBeLessThanOrEqual(1100);
  });

  it('decodes party rows and tolerates fields in any order', async () => {
    const text =
      '{"result":[{"action":3,"partyid":"7","errcode":0,"errmsg":"ok"}],"percentage":100,"total":1,"type":"replace_party","status":3,"errcode":0}';
    const got: BatchResultRow[] = [];
    const head = await readResultStream(
      'job',
      pieces(text, 5),
      { onRows: (rows) => void got.push(...rows) },
      toResultRow,
      apiError,
    );
    expect(head.type).toBe('replace_party');
    expect(got).toEqual([
      {
        partyid: 7,
        action: 3,
        actions: { created: true, renamed: true, moved: false, reordered: false },
        errcode: 0,
        errmsg: 'ok',
      },
    ]);
  });

  it('without onRows stops at the rows: the status of a running job, nothing kept', async () => {
    let read = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const piece of pieces(
        answer(Array.from({ length: 50_000 }, (_, i) => ({ userid: `u${i}`, errcode: 0, errmsg: 'ok' }))),
        4096,
      )) {
        read += piece.length;
        yield piece;
      }
    }
    const head = await readResultStream('job', counted(), {}, toResultRow, apiError);
    expect(head).toMatchObject({ status: 3, total: 50_000, rows: 0 });
    expect(read).toBeLessThan(10_000);
  });

  it('an errcode answer rejects with the API error; a cut-off body rejects', async () => {
    await expect(
      readResultStream('job', pieces('{"errcode":40088,"errmsg":"invalid jobid"}', 8), {}, toResultRow, apiError),
    ).rejects.toMatchObject({ errcode: 40088 });
    await expect(
      readResultStream(
        'job',
        pieces(answer([{ userid: 'a', errcode: 0, errmsg: 'ok' }]).slice(0, 60), 8),
        { onRows: () => undefined },
        toResultRow,
        apiError,
      ),
    ).rejects.toThrow();
    await expect(
      readResultStream('job', pieces('{"errcode":0,"status":9}', 8), {}, toResultRow, apiError),
    ).rejects.toThrow(/unexpected job status 9/);
  });

  it('250,000 rows: every row, and the event loop gets turns while they are parsed', async () => {
    const raw = Array.from({ length: 250_000 }, (_, i) => ({ userid: `user${i}`, errcode: 0, errmsg: 'ok' }));
    const text = Buffer.from(answer(raw));
    // Stall lengths are measured in bench/ (scale); here only that parsing hands the loop back at all.
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    let count = 0;
    let last = '';
    await readResultStream(
      'job',
      pieces(text, 65_536),
      {
        onRows: (rows) => void ((count += rows.length), (last = (rows[rows.length - 1] as { userid: string }).userid)),
      },
      toResultRow,
      apiError,
    );
    clearInterval(timer);
    expect(count).toBe(250_000);
    expect(last).toBe('user249999');
    expect(turns).toBeGreaterThan(10);
  });
});
