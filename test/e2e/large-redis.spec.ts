import { afterAll, beforeAll, expect, it, jest } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStore, type BatchUserResultRow, type MemberRow } from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { describeWithRedis, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { startBatchApp, startSimulator } from './helpers/batch-app.js';

// A 250,000-row completion through RedisStore: the result rows are streamed from getresult into chunk keys (none
// over 4 MB, the record itself small), and another instance reads every row back from Redis.

jest.setTimeout(300_000);

const ROWS = 250_000;
const MAX_VALUE_BYTES = 4 * 1024 * 1024;

describeWithRedis('a 250,000-row completion through RedisStore', () => {
  let server: RedisServerHandle;
  let sim: WeComSimulator;

  /** Timers running before the spec opened anything (jest's own, such as this hook's timeout). */
  let timersBefore = 0;

  beforeAll(async () => {
    timersBefore = runningTimers();
    server = await startRedisServer();
    sim = await startSimulator({ jobDelayMs: 10 });
  });

  afterAll(async () => {
    await sim?.close();
    await server?.stop();
    // Everything this spec opened is closed now but one timer of ioredis's reply parser (redis-parser 3): a
    // multi-MB reply (each chunk read back here) grows its module-wide buffer pool and starts a 50 ms interval
    // that shrinks the pool by 10 % a tick and clears itself once the pool is small — about 3 s after the last
    // large reply, with no handle to close it by. Waiting it out leaves nothing running when the file ends; any
    // other timer still running then is a leak of ours, and fails here.
    const deadline = Date.now() + 15_000;
    while (runningTimers() > timersBefore && Date.now() < deadline) await sleep(50);
    expect(runningTimers()).toBeLessThanOrEqual(timersBefore);
  });

  it('persists the rows in bounded chunks and reads them back on another instance', async () => {
    const clients = [0, 1, 2].map(() => new Redis(server.port, server.host, { maxRetriesPerRequest: 2 }));
    const [first, second, admin] = clients;
    const users = Array.from({ length: ROWS }, (_, i) => ({
      userid: `r${String(i).padStart(6, '0')}`,
      name: `成员${i}`,
      mobile: `15${String(i).padStart(9, '0')}`,
      departments: [2 + (i % 2)],
    }));
    try {
      await run(first, second, admin, users);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });

  async function run(first: Redis, second: Redis, admin: Redis, users: MemberRow[]): Promise<void> {
    const a = await startBatchApp(sim, 'express', false, { store: new RedisStore(first), requestTimeoutMs: 60_000 });
    let jobId: string;
    try {
      const job = await a.batch.syncUsers({ users }, { toInvite: false });
      jobId = job.jobId;
      const done = await job.wait({ timeoutMs: 240_000 });
      expect(done).toMatchObject({ errCode: 0, totalRows: ROWS, failedRows: 0 });
      // Too many rows for the payload itself: they are read from the store.
      expect(done.result).toBeUndefined();
      expect(await count(done.rows())).toBe(ROWS);
    } finally {
      await a.close();
    }

    // Every value Redis holds is small: the record without rows, each chunk ≤ 4 MB.
    let largest = 0;
    let chunks = 0;
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        if ((await admin.type(key)) !== 'string') continue;
        largest = Math.max(largest, await admin.strlen(key));
        if (!key.includes(':rows:')) continue;
        chunks++;
        // Chunks expire with their record (jobRecordTtlSeconds), never live forever.
        expect(await admin.pttl(key)).toBeGreaterThan(0);
      }
    } while (cursor !== '0');
    expect(largest).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    expect(chunks).toBeGreaterThanOrEqual(ROWS / 5_000);

    // Another instance (a new process after a restart, say) reads the same rows back from Redis.
    const b = await startBatchApp(sim, 'fastify', false, { store: new RedisStore(second) });
    try {
      const again = await b.batch.waitForJob(jobId, { timeoutMs: 10_000 });
      expect(again.totalRows).toBe(ROWS);
      let expected = 0;
      let inOrder = true;
      for await (const row of again.rows()) {
        if ((row as BatchUserResultRow).userid !== users[expected].userid || row.errcode !== 0) inOrder = false;
        expected++;
      }
      expect({ expected, inOrder }).toEqual({ expected: ROWS, inOrder: true });
      expect(await count(again.failures())).toBe(0);
    } finally {
      await b.close();
    }
  }
});

/** Referenced timers (`Timeout`s) of this process: what keeps it from exiting. */
function runningTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

async function count(rows: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of rows) n++;
  return n;
}
