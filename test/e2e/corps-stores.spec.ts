import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import {
  MemoryStore,
  RedisStore,
  WeComBatchModule,
  getBatchServiceToken,
  type BatchJob,
  type BatchService,
  type WeComBatchStore,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { describeWithRedis, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { ADAPTERS, type AdapterName } from './helpers/app.js';
import {
  CORP_A,
  CORP_B,
  bootOn,
  corpOptions,
  freePort,
  someMembers,
  startCorpsSimulator,
  until,
} from './helpers/corps-fixtures.js';
import { EventRecorder } from './helpers/event-recorder.js';

/**
 * One app instance with two named registrations (north = corp A, south = corp B) over `store`. North's callbacks
 * go to `northPort`, south's to `southPort`: with two instances, each corp's callbacks reach one of them only.
 */
async function instance(
  adapter: AdapterName,
  sim: WeComSimulator,
  store: WeComBatchStore,
  port: number,
  ports: { north: number; south: number },
): Promise<{ app: INestApplication; north: BatchService; south: BatchService; events: EventRecorder }> {
  const url = (p: number, name: string) => `http://127.0.0.1:${p}/wecom/batch/callback/${name}`;
  const app = await bootOn(adapter, port, [
    WeComBatchModule.forRoot({ name: 'north', ...corpOptions(sim, CORP_A, url(ports.north, 'north'), { store }) }),
    WeComBatchModule.forRoot({ name: 'south', ...corpOptions(sim, CORP_B, url(ports.south, 'south'), { store }) }),
  ]);
  return {
    app,
    north: app.get(getBatchServiceToken('north'), { strict: false }),
    south: app.get(getBatchServiceToken('south'), { strict: false }),
    events: app.get(EventRecorder),
  };
}

/** The completed events of `jobs` over every instance, by job id. */
function completedPerJob(jobs: BatchJob[], recorders: EventRecorder[]): Record<string, number> {
  const all = recorders.flatMap((r) => r.completed);
  return Object.fromEntries(jobs.map((job) => [job.jobId, all.filter((e) => e.jobId === job.jobId).length]));
}

describe.each(ADAPTERS)('two corps on one store (%s)', (adapter) => {
  describe('one MemoryStore shared by two registrations', () => {
    let sim: WeComSimulator;
    let app: INestApplication | undefined;

    beforeAll(async () => {
      sim = await startCorpsSimulator([CORP_A, CORP_B]);
    });
    afterAll(async () => {
      await app?.close();
      await sim?.close();
    });

    it('keeps the corps apart: each job completes once, in its corp', async () => {
      const port = await freePort();
      const one = await instance(adapter, sim, new MemoryStore(), port, { north: port, south: port });
      app = one.app;
      const jobs = [
        await one.north.syncUsers({ users: someMembers('mn') }),
        await one.south.syncUsers({ users: someMembers('ms') }),
        await one.north.syncUsers({ users: someMembers('mn2') }),
        await one.south.syncUsers({ users: someMembers('ms2') }),
      ];
      const done = await Promise.all(jobs.map((job) => job.wait()));
      expect(done.map((e) => e.corpId)).toEqual([CORP_A.corpId, CORP_B.corpId, CORP_A.corpId, CORP_B.corpId]);
      expect(done.every((e) => e.source === 'callback')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(Object.values(completedPerJob(jobs, [one.events]))).toEqual([1, 1, 1, 1]);
    });
  });

  describeWithRedis('one RedisStore across two app instances', () => {
    let redis: RedisServerHandle;
    let sim: WeComSimulator;
    const apps: INestApplication[] = [];
    const stores: RedisStore[] = [];

    beforeAll(async () => {
      redis = await startRedisServer();
      sim = await startCorpsSimulator([CORP_A, CORP_B]);
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const store of stores) await store.close();
      await sim?.close();
      await redis?.stop();
    });

    it('gives exactly one completed event per job, cluster-wide, for both corps', async () => {
      const ports = { north: await freePort(), south: await freePort() };
      const keyPrefix = `corps-${adapter}-${Date.now()}:`;
      const storeOne = new RedisStore(redis.url, { keyPrefix });
      const storeTwo = new RedisStore(redis.url, { keyPrefix });
      stores.push(storeOne, storeTwo);
      const one = await instance(adapter, sim, storeOne, ports.north, ports);
      apps.push(one.app);
      const two = await instance(adapter, sim, storeTwo, ports.south, ports);
      apps.push(two.app);

      // Each instance submits for both corps; north's callbacks reach instance one only, south's instance two.
      const jobs: BatchJob[] = [];
      for (const [who, svc] of [
        ['1n', one.north],
        ['2s', two.south],
        ['2n', two.north],
        ['1s', one.south],
      ] as const) {
        jobs.push(await svc.syncUsers({ users: someMembers(`r${who}`) }));
      }
      const done = await Promise.all(jobs.map((job) => job.wait()));
      expect(done.map((e) => e.corpId)).toEqual([CORP_A.corpId, CORP_B.corpId, CORP_A.corpId, CORP_B.corpId]);
      expect(done.every((e) => e.source === 'callback')).toBe(true);
      const recorders = [one.events, two.events];
      await until(() => Object.values(completedPerJob(jobs, recorders)).every((n) => n >= 1), 5_000, 'completions');
      // Time for a duplicate to show up, had there been one.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(Object.values(completedPerJob(jobs, recorders))).toEqual([1, 1, 1, 1]);
      // Each corp's directory got its own members only.
      const ids = (corpId: string) => sim.directory(corpId).users.map((u) => u.userid);
      expect(ids(CORP_A.corpId)).toEqual(expect.arrayContaining(['r1n0', 'r2n0']));
      expect(ids(CORP_A.corpId)).not.toContain('r1s0');
      expect(ids(CORP_B.corpId)).toEqual(expect.arrayContaining(['r1s0', 'r2s0']));
    });
  });
});
