import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import {
  BatchService,
  InjectBatchService,
  WeComBatchModule,
  WeComConfigError,
  getBatchServiceToken,
  getWeComCallbackServiceToken,
  type WeComCorpCredentials,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS } from './helpers/app.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import {
  CORP_A,
  CORP_B,
  CORP_C,
  CORP_SECRETS,
  bootOn,
  callbackOf,
  corpOptions,
  freePort,
  postJobResult,
  someMembers,
  startCorpsSimulator,
  until,
} from './helpers/corps-fixtures.js';
import { EventRecorder } from './helpers/event-recorder.js';

/** A feature service that works with two corps at once. */
@Injectable()
class TwoCorps {
  constructor(
    @InjectBatchService('north') readonly north: BatchService,
    @InjectBatchService('south') readonly south: BatchService,
  ) {}
}

describe.each(ADAPTERS)('several corps on %s', (adapter) => {
  describe('two named registrations', () => {
    let sim: WeComSimulator;
    let app: INestApplication;
    let base: string;
    const logger = new CapturingLogger();

    beforeAll(async () => {
      sim = await startCorpsSimulator([CORP_A, CORP_B]);
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const north = WeComBatchModule.forRoot({
        name: 'north',
        ...corpOptions(sim, CORP_A, `${base}/wecom/batch/callback/north`),
      });
      // One registration of each kind: the extras (name) sit beside useFactory.
      const south = WeComBatchModule.forRootAsync({
        name: 'south',
        useFactory: async () => corpOptions(sim, CORP_B, `${base}/wecom/batch/callback/south`),
      });
      @Module({ imports: [north, south], providers: [TwoCorps] })
      class FeatureModule {}
      app = await bootOn(adapter, port, [FeatureModule], logger);
    });
    afterAll(async () => {
      await app?.close();
      await sim?.close();
      expect(logger.leaking(CORP_SECRETS)).toEqual([]);
    });

    it('one service injects both; each sync lands in its own corp and completes by its callback', async () => {
      const corps = app.get(TwoCorps);
      expect([corps.north.corpId, corps.south.corpId]).toEqual([CORP_A.corpId, CORP_B.corpId]);
      const [northJob, southJob] = await Promise.all([
        corps.north.syncUsers({ users: someMembers('north') }),
        corps.south.syncUsers({ users: someMembers('south') }),
      ]);
      const [northDone, southDone] = await Promise.all([northJob.wait(), southJob.wait()]);
      expect([northDone.source, southDone.source]).toEqual(['callback', 'callback']);
      const ids = (corpId: string) => sim.directory(corpId).users.map((u) => u.userid);
      expect(ids(CORP_A.corpId)).toEqual(expect.arrayContaining(['north0', 'north1']));
      expect(ids(CORP_A.corpId)).not.toContain('south0');
      expect(ids(CORP_B.corpId)).toEqual(expect.arrayContaining(['south0', 'south1']));
      expect(ids(CORP_B.corpId)).not.toContain('north0');
      // Each corp's callback went to its own route, sealed with its own keys.
      expect(sim.deliveries(northJob.jobId).map((d) => d.url)).toEqual([`${base}/wecom/batch/callback/north`]);
      expect(sim.deliveries(southJob.jobId).map((d) => d.url)).toEqual([`${base}/wecom/batch/callback/south`]);

      const events = app.get(EventRecorder);
      await until(() => events.completed.length >= 2, 5_000, 'two completed events');
      const byJob = (jobId: string) => events.completed.filter((e) => e.jobId === jobId);
      expect(byJob(northJob.jobId).map((e) => [e.corpId, e.registration])).toEqual([[CORP_A.corpId, 'north']]);
      expect(byJob(southJob.jobId).map((e) => [e.corpId, e.registration])).toEqual([[CORP_B.corpId, 'south']]);
      expect(events.submitted.map((e) => e.registration).sort()).toEqual(['north', 'south']);
    });

    it('the tokens reach the same services; plain BatchService is not exported by named registrations', async () => {
      const corps = app.get(TwoCorps);
      expect(app.get(getBatchServiceToken('north'), { strict: false })).toBe(corps.north);
      expect(app.get(getWeComCallbackServiceToken('south'), { strict: false })).toBeDefined();
      @Injectable()
      class WantsUnnamed {
        constructor(readonly batch: BatchService) {}
      }
      @Module({
        imports: [WeComBatchModule.forRoot({ name: 'only', ...corpOptions(sim, CORP_A, `${base}/x/only`) })],
        providers: [WantsUnnamed],
      })
      class Lonely {}
      // Injecting the unnamed class next to a named registration fails at bootstrap instead of picking one.
      await expect(bootOn(adapter, await freePort(), [Lonely])).rejects.toThrow(/BatchService/);
    });

    it("a delivery to north's route sealed with south's keys is refused, and completes nothing", async () => {
      const events = app.get(EventRecorder);
      const before = events.completed.length;
      const forged = await postJobResult(`${base}/wecom/batch/callback/north`, CORP_B.corpId, CORP_B);
      expect(forged.status).toBeGreaterThanOrEqual(400);
      expect(forged.status).toBeLessThan(500);
      // Even naming north's corp in the envelope: south's keys do not verify on north's route.
      const named = await postJobResult(`${base}/wecom/batch/callback/north`, CORP_A.corpId, CORP_B);
      expect(named.status).toBeGreaterThanOrEqual(400);
      expect(named.status).toBeLessThan(500);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(events.completed.length).toBe(before);
      // The refusals name the route's corp and registration (never the keys).
      expect(events.rejected.slice(-2).map((e) => [e.corpId, e.registration])).toEqual([
        [CORP_A.corpId, 'north'],
        [CORP_A.corpId, 'north'],
      ]);
    });

    it('forCorp without resolveCorp says what to add', async () => {
      const corps = app.get(TwoCorps);
      await expect(corps.north.forCorp(CORP_A.corpId)).resolves.toBe(corps.north);
      await expect(corps.north.forCorp(CORP_C.corpId)).rejects.toThrow(/resolveCorp/);
      await expect(corps.north.forCorp(CORP_C.corpId)).rejects.toBeInstanceOf(WeComConfigError);
    });
  });

  describe('corps resolved at run time (resolveCorp)', () => {
    let sim: WeComSimulator;
    let app: INestApplication;
    let route: string;
    const calls: string[] = [];
    const logger = new CapturingLogger();

    beforeAll(async () => {
      sim = await startCorpsSimulator([CORP_A, CORP_B, CORP_C]);
      const port = await freePort();
      route = `http://127.0.0.1:${port}/wecom/batch/callback`;
      // The credentials of the SaaS's customer corps, as a database would hold them: each its own keys.
      const customers = new Map<string, WeComCorpCredentials>([
        [CORP_B.corpId, { corpId: CORP_B.corpId, corpSecret: CORP_B.corpSecret, callback: callbackOf(CORP_B, route) }],
        [CORP_C.corpId, { corpId: CORP_C.corpId, corpSecret: CORP_C.corpSecret, callback: callbackOf(CORP_C, route) }],
      ]);
      const resolveCorp = async (corpId: string) => {
        calls.push(corpId);
        return customers.get(corpId);
      };
      app = await bootOn(
        adapter,
        port,
        [WeComBatchModule.forRoot(corpOptions(sim, CORP_A, route, { resolveCorp }))],
        logger,
      );
    });
    afterAll(async () => {
      await app?.close();
      await sim?.close();
      expect(logger.leaking(CORP_SECRETS)).toEqual([]);
    });

    it("forCorp('c') syncs into corp C and completes by callback on the shared route", async () => {
      const batch = app.get(BatchService);
      const c = await batch.forCorp(CORP_C.corpId);
      expect(c.corpId).toBe(CORP_C.corpId);
      // Created once, cached; and from C's service, the home corp is the registration's own service.
      expect(await batch.forCorp(CORP_C.corpId)).toBe(c);
      expect(await c.forCorp(CORP_A.corpId)).toBe(batch);
      expect(await c.forCorp(CORP_C.corpId)).toBe(c);
      expect(calls.filter((id) => id === CORP_C.corpId)).toHaveLength(1);

      const job = await c.syncUsers({ users: someMembers('cee') });
      const done = await job.wait();
      expect(done.source).toBe('callback');
      expect(done.corpId).toBe(CORP_C.corpId);
      expect(sim.directory(CORP_C.corpId).users.map((u) => u.userid)).toEqual(expect.arrayContaining(['cee0']));
      expect(sim.directory(CORP_A.corpId).users.map((u) => u.userid)).not.toContain('cee0');
      expect(sim.deliveries(job.jobId).map((d) => [d.url, d.corpId])).toEqual([[route, CORP_C.corpId]]);
      // The home corp still works beside it.
      const home = await (await batch.syncUsers({ users: someMembers('home') })).wait();
      expect([home.corpId, home.source]).toEqual([CORP_A.corpId, 'callback']);
    });

    it("a delivery naming corp C but sealed with A's keys is refused by C's keys", async () => {
      await app.get(BatchService).forCorp(CORP_C.corpId);
      const forged = await postJobResult(route, CORP_C.corpId, CORP_A);
      expect(forged.status).toBeGreaterThanOrEqual(400);
      expect(forged.status).toBeLessThan(500);
    });

    it('unknown CorpIDs are refused without an event and without a resolver storm', async () => {
      const events = app.get(EventRecorder);
      const rejectedBefore = events.rejected.length;
      const callsBefore = calls.length;
      // 5 unknown corps, 20 deliveries each.
      const repeated = Array.from({ length: 5 }, (_, i) => `wwunknown${i}000000000`);
      const answers = [];
      for (let round = 0; round < 20; round++) {
        answers.push(...(await Promise.all(repeated.map((id) => postJobResult(route, id, CORP_A)))));
      }
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([403]));
      expect(calls.length - callsBefore).toBe(5);

      // 200 distinct random CorpIDs: the resolver is asked a bounded number of times (a per-minute budget).
      const random = Array.from({ length: 200 }, (_, i) => `wwrandom${i}x${Math.random().toString(36).slice(2, 8)}`);
      const flood = await Promise.all(random.map((id) => postJobResult(route, id, CORP_A)));
      expect(flood.every((a) => a.status === 403 || a.status === 503)).toBe(true);
      expect(calls.length - callsBefore - 5).toBeLessThanOrEqual(30);
      expect(events.rejected.length).toBe(rejectedBefore);
    });

    it('forgetCorp drops a corp; the next forCorp resolves it again', async () => {
      const batch = app.get(BatchService);
      const before = await batch.forCorp(CORP_B.corpId);
      await batch.forgetCorp(CORP_B.corpId);
      const after = await batch.forCorp(CORP_B.corpId);
      expect(after).not.toBe(before);
      expect(calls.filter((id) => id === CORP_B.corpId)).toHaveLength(2);
      await expect(batch.forCorp('wwnotacustomer0000')).rejects.toThrow(/resolveCorp knows no corp/);
    });
  });
});
