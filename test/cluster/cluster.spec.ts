import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStore, type JobRecord } from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { batchJobResultXml, buildDelivery, postCallback } from '../e2e/helpers/callback-delivery.js';
import { freePort } from '../e2e/helpers/free-port.js';
import { describeWithRedis, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import {
  members,
  startClusterSimulator,
  submitOutsideTheCluster,
  waitFor,
  type ClusterMember,
} from './helpers/cluster.js';
import {
  CORP,
  InstanceCallError,
  assertBuilt,
  callbackUrlOf,
  killAllInstances,
  startInstances,
  type Instance,
  type InstanceConfig,
  type RemoteError,
} from './helpers/instance.js';

// Several app instances — separate Node processes running the BUILT package (fixtures/instance.mjs) — share one
// real redis-server and one simulated WeCom, as replicas behind a load balancer do. Asserted is what a user of
// such a cluster notices: WeCom calls, events, answers to WeCom, rows in Redis, errors, and process exits.

/** How long to keep watching for a second `completed` event after the first one. */
const QUIET_MS = 750;
const KEYS = { token: CORP.callbackToken, encodingAESKey: CORP.encodingAESKey, corpId: CORP.corpId };
const SECRETS = [CORP.corpSecret, CORP.callbackToken, CORP.encodingAESKey];

describeWithRedis('cluster: app instances in separate processes sharing one redis-server', () => {
  let redis: RedisServerHandle;
  let current: WeComSimulator | undefined;
  let testNo = 0;
  let keyPrefix = '';
  const clients: Redis[] = [];
  const everyInstance: Instance[] = [];
  const bootTimes: number[] = [];

  beforeAll(async () => {
    assertBuilt();
    redis = await startRedisServer();
  });

  afterEach(async () => {
    await killAllInstances();
    await current?.close();
    current = undefined;
    for (const client of clients.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  /** Configs of `count` instances (A, B, …) of a new test: a key prefix of its own, pointed at the current simulator. */
  function configs(count: number, moduleOptions: Record<string, unknown> = {}): InstanceConfig[] {
    keyPrefix = `cluster-${++testNo}:`;
    return Array.from({ length: count }, (_, i) => config(String.fromCharCode(65 + i), moduleOptions));
  }

  function config(name: string, moduleOptions: Record<string, unknown> = {}): InstanceConfig {
    return {
      name,
      redisUrl: redis.url,
      keyPrefix,
      apiBaseUrl: (current as WeComSimulator).baseUrl,
      // The client options RedisStore's documentation recommends.
      redisOptions: { maxRetriesPerRequest: 2, commandTimeout: 2_000 },
      moduleOptions: {
        requestTimeoutMs: 3_000,
        retry: { maxRetries: 2, baseDelayMs: 20, maxDelayMs: 100, rateLimitDelayMs: 200 },
        // A long grace: unless a test shortens it, completion comes from a callback, never from polling.
        polling: { callbackGraceMs: 30_000, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 },
        ...moduleOptions,
      },
    };
  }

  /** The simulated WeCom of the current test (closed after it). */
  async function simulator(options: Parameters<typeof startClusterSimulator>[0]): Promise<WeComSimulator> {
    current = await startClusterSimulator(options);
    return current;
  }

  async function boot(list: InstanceConfig[]): Promise<Instance[]> {
    const started = performance.now();
    const instances = await startInstances(list);
    bootTimes.push(Math.round(performance.now() - started));
    everyInstance.push(...instances);
    return instances;
  }

  /** The job record in Redis, read through the store's public API as any other process would. */
  async function storedJob(jobId: string): Promise<JobRecord | null> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    clients.push(client);
    return new RedisStore(client, { keyPrefix }).getJob(CORP.corpId, jobId);
  }

  function completedEvents(instances: Instance[], jobId: string): Array<Record<string, unknown>> {
    return instances.flatMap((instance) => instance.eventsNamed('completed', jobId));
  }

  /** Waits for the first `completed` of `jobId` anywhere, then watches a while longer for a second one. */
  async function settledCompletions(
    instances: Instance[],
    jobId: string,
    timeoutMs = 10_000,
  ): Promise<Array<Record<string, unknown>>> {
    await waitFor(`a completed event of job ${jobId}`, () => completedEvents(instances, jobId).length > 0, timeoutMs);
    await sleep(QUIET_MS);
    return completedEvents(instances, jobId);
  }

  function expectRows(result: unknown, rows: ClusterMember[]): void {
    const results = result as Array<{ userid: string; errcode: number }>;
    expect(results.map((r) => r.userid).sort()).toEqual(rows.map((r) => r.userid).sort());
    expect(results.filter((r) => r.errcode !== 0)).toEqual([]);
  }

  /** No unhandled rejection or uncaught exception in any instance. */
  function expectHealthy(instances: Instance[]): void {
    for (const instance of instances) expect({ [instance.name]: instance.problems }).toEqual({ [instance.name]: [] });
  }

  /** What the instance threw for `call` (which must fail there). */
  async function remoteError(call: Promise<unknown>): Promise<RemoteError> {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof InstanceCallError)) throw new Error(`expected the call to fail in the instance: ${error}`);
    return error.remote;
  }

  it('1,000 API calls spread over 3 instances on a cold cache fetch exactly one token (and one more once it expires)', async () => {
    const sim = await simulator({ jobDelayMs: 20 });
    const rows = members(20, 'tok', 1);
    const jobId = await submitOutsideTheCluster(sim, rows);
    await sim.settled();
    const fetchesBefore = sim.tokenFetches(); // the outside system's own token, not in the cluster's cache
    const instances = await boot(configs(3));
    expect(sim.tokenFetches()).toBe(fetchesBefore); // booting fetches nothing

    const shares = [334, 333, 333];
    const started = performance.now();
    const answers = await Promise.all(
      instances.map((instance, i) =>
        instance.call<{ ok: number; statuses: number[]; rowCounts: number[]; errors: unknown[] }>('getResult', {
          jobId,
          times: shares[i],
        }),
      ),
    );
    const ms = Math.round(performance.now() - started);

    expect(answers.map((a) => a.errors)).toEqual([[], [], []]);
    expect(answers.map((a) => a.ok)).toEqual(shares);
    for (const answer of answers) {
      expect(answer.statuses).toEqual([3]);
      expect(answer.rowCounts).toEqual([rows.length]);
    }
    expect(sim.tokenFetches() - fetchesBefore).toBe(1);
    expect(sim.requests('batch/getresult')).toHaveLength(1_000);

    // WeCom expires the token early (42001 on its next use, on every instance at once): one refresh, not three.
    sim.expireTokens();
    const retried = await Promise.all(
      instances.map((instance) => instance.call<{ ok: number; errors: unknown[] }>('getResult', { jobId, times: 100 })),
    );
    expect(retried.map((a) => [a.ok, a.errors])).toEqual([
      [100, []],
      [100, []],
      [100, []],
    ]);
    expect(sim.tokenFetches() - fetchesBefore).toBe(2);
    expectHealthy(instances);
    process.stderr.write(`cluster: 1,000 getResult calls over 3 instances: ${ms} ms, 1 gettoken\n`);
  }, 40_000);

  it('a callback delivered to 3 instances at once, then once more, completes the job exactly once', async () => {
    const sim = await simulator({ jobDelayMs: 50 });
    const instances = await boot(configs(3));
    const [a, , c] = instances;
    sim.dropNextCallback(); // the test delivers it itself: to all three at once
    const rows = members(30, 'dup', 2);
    const { jobId } = await a.call<{ jobId: string }>('syncUsers', { users: rows });
    await sim.settled();
    expect(sim.jobs()).toMatchObject([{ jobId, status: 3, callbackState: 'dropped' }]);

    // One signed, encrypted delivery — the same bytes — POSTed to the three instances concurrently, as when
    // WeCom's retries overlap and a load balancer spreads them.
    const event = batchJobResultXml({ corpId: CORP.corpId, jobId, jobType: 'sync_user' });
    const delivery = buildDelivery(KEYS, event);
    const answers = await Promise.all(instances.map((i) => postCallback(i.callbackUrl, delivery.query, delivery.body)));
    expect(answers.map((r) => [r.status, r.body])).toEqual([
      [200, ''],
      [200, ''],
      [200, ''],
    ]);

    const completed = await settledCompletions(instances, jobId);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ jobId, jobType: 'sync_user', errCode: 0, source: 'callback', failedRows: 0 });
    expectRows(completed[0].result, rows);
    const record = await storedJob(jobId);
    expect(record).toMatchObject({ jobId, status: 'completed', rows: rows.length, completion: { source: 'callback' } });
    expectRows(record?.completion?.result, rows);

    // Once more, freshly encrypted (WeCom's next retry): acknowledged, and nothing happens again.
    const again = buildDelivery(KEYS, event);
    expect((await postCallback(c.callbackUrl, again.query, again.body)).status).toBe(200);
    await sleep(QUIET_MS);
    expect(completedEvents(instances, jobId)).toHaveLength(1);
    expect(instances.flatMap((i) => i.eventsNamed('failed'))).toEqual([]);
    expect(await storedJob(jobId)).toEqual(record); // persisted once: not rewritten by a later delivery
    expectHealthy(instances);
  }, 40_000);

  it('waitForJob on instance A resolves when the callback lands on instance B only', async () => {
    const sim = await simulator({ jobDelayMs: Infinity });
    const portB = await freePort();
    // A's public callback URL routes to B, as a load balancer may: WeCom's delivery never reaches A.
    const [aConfig, bConfig] = configs(2);
    const [a, b] = await boot([
      { ...aConfig, callbackUrl: callbackUrlOf(portB) },
      { ...bConfig, port: portB },
    ]);
    const rows = members(25, 'wai', 3);
    const { jobId } = await a.call<{ jobId: string }>('syncUsers', { users: rows });
    const waiting = a.call<Record<string, unknown>>('waitForJob', { jobId, timeoutMs: 10_000 });
    await sleep(300); // A is waiting before the job finishes
    sim.completeJobs();

    const done = await waiting;
    expect(done).toMatchObject({ jobId, errCode: 0, source: 'callback', failedRows: 0 });
    expectRows(done.result, rows);
    expect(sim.deliveries(jobId).map((d) => [d.url, d.status])).toEqual([[b.callbackUrl, 200]]);
    // B completed the job (with one getresult); A learnt it from B: it neither polled nor emitted.
    expect(b.eventsNamed('completed', jobId)).toHaveLength(1);
    expect(a.eventsNamed('completed', jobId)).toEqual([]);
    expect(sim.requests('batch/getresult')).toHaveLength(1);
    expectHealthy([a, b]);
  }, 40_000);

  /**
   * A submits a job and is SIGKILLed before it completes; the simulator drops the job's callback. The
   * replacement B boots right away and polls soon after booting.
   */
  async function crashAndReplace(): Promise<{ jobId: string; rows: ClusterMember[]; b: Instance }> {
    const sim = await simulator({ jobDelayMs: Infinity });
    const [aConfig] = configs(1);
    const [a] = await boot([aConfig]);
    sim.dropNextCallback();
    const rows = members(40, 'cra', 4);
    const { jobId } = await a.call<{ jobId: string }>('syncUsers', { users: rows });
    await a.kill('SIGKILL');
    expect(a.eventsNamed('completed')).toEqual([]);
    expect((await storedJob(jobId))?.status).toBe('pending');
    const [b] = await boot([
      config('B', { polling: { callbackGraceMs: 200, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 } }),
    ]);
    await sleep(300);
    sim.completeJobs(); // finishes while B follows it; its callback is dropped: only polling can tell
    expect(sim.jobs()).toMatchObject([{ jobId, status: 3, callbackState: 'dropped' }]);
    return { jobId, rows, b };
  }

  async function expectResumed(jobId: string, rows: ClusterMember[], b: Instance, timeoutMs: number): Promise<void> {
    const completed = await settledCompletions([b], jobId, timeoutMs);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ jobId, source: 'poll', errCode: 0, failedRows: 0 });
    expectRows(completed[0].result, rows);
    const record = await storedJob(jobId);
    expect(record).toMatchObject({ jobId, status: 'completed', rows: rows.length, completion: { source: 'poll' } });
    expectRows(record?.completion?.result, rows);
    expectHealthy([b]);
  }

  // Regression: recovery used to be guarded by a 30 s `recover:<corp>` lease, so a replacement booting within 30 s
  // of the crashed instance's own boot skipped it and the job stayed pending, untracked.
  it('a crashed instance’s job is resumed by a replacement booted right away', async () => {
    const { jobId, rows, b } = await crashAndReplace();
    // Resumed jobs are polled after callbackGraceMs (200 ms) at 50–200 ms intervals: 3 s is plenty.
    await expectResumed(jobId, rows, b, 3_000);
  }, 40_000);

  it('a graceful deploy while a job runs: the new instance completes it once and can submit the next at once', async () => {
    const sim = await simulator({ jobDelayMs: Infinity });
    const portB = await freePort();
    // The public callback URL (the load balancer) routes to the new instance once the old one is gone.
    const [oldConfig] = configs(1);
    const [old] = await boot([{ ...oldConfig, name: 'old', callbackUrl: callbackUrlOf(portB) }]);
    const rows = members(15, 'dep', 5);
    const { jobId } = await old.call<{ jobId: string }>('syncUsers', { users: rows });
    const exit = await old.shutdown();
    expect([exit.exitedByItself, exit.code]).toEqual([true, 0]);

    const [b] = await boot([{ ...config('new'), port: portB }]);
    // Submitted right away: it must not wait for the old instance's import lease (30 s) to run out.
    const next = b.call<{ jobId: string }>('syncUsers', { users: members(5, 'nxt', 6) }, 10_000);
    await sleep(300);
    sim.completeJobs(); // the running job finishes; its callback reaches the new instance
    const completed = await settledCompletions([old, b], jobId);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ jobId, source: 'callback', errCode: 0, failedRows: 0 });
    expectRows(completed[0].result, rows);
    const { jobId: nextId } = await next;
    expect(sim.jobs().map((j) => j.jobId)).toEqual([jobId, nextId]);
    expectHealthy([old, b]);
  }, 40_000);

  it('Redis stopped mid-job: typed store errors and 503s; after Redis returns, WeCom’s retry completes the job once', async () => {
    // WeCom's retries must span the outage: every 250 ms, for up to ~10 s.
    const sim = await simulator({ jobDelayMs: Infinity, callbackRetries: 40, callbackRetryDelayMs: 250 });
    // A submits and receives the callback; B never fetched a token; C has one in memory.
    const [a, b, c] = await boot(configs(3));
    const rows = members(35, 'out', 5);
    const { jobId } = await a.call<{ jobId: string }>('syncUsers', { users: rows });
    expect(await c.call('getResult', { jobId })).toMatchObject({ ok: 1, statuses: [1] });
    const fetchesBefore = sim.tokenFetches();

    await redis.stop();
    try {
      // A submission needs the corp's import lock: refused, and no job reaches WeCom.
      const submit = await remoteError(c.call('syncUsers', { users: members(3, 'lost', 6) }));
      expect(submit).toMatchObject({ name: 'WeComStoreError', operation: 'acquireLock' });
      expect(submit.instanceOf).toEqual(['WeComBatchError', 'WeComStoreError']);
      // No token in memory and the shared cache unreachable: refused, no gettoken behind the cluster's back.
      const read = await remoteError(b.call('getResult', { jobId }).then(throwFirst));
      expect(read).toMatchObject({ name: 'WeComApiError', kind: 'store' });
      expect(read.instanceOf).toEqual(['WeComApiError', 'WeComBatchError']);
      const wait = await remoteError(b.call('waitForJob', { jobId, timeoutMs: 5_000 }));
      expect(wait).toMatchObject({ name: 'WeComStoreError', operation: 'getJob' });
      for (const error of [submit, read, wait]) {
        expect(error.message).toMatch(/store/);
        expect(error.message).toMatch(/Redis|max retries|Connection|connect/i);
        for (const secret of SECRETS) expect(JSON.stringify(error)).not.toContain(secret);
      }
      process.stderr.write(
        `cluster: errors while Redis is down:\n  ${[submit, read, wait].map((e) => `${e.name}: ${e.message}`).join('\n  ')}\n`,
      );
      expect(sim.jobs()).toHaveLength(1);
      expect(sim.tokenFetches()).toBe(fetchesBefore);

      // The job finishes; its callback cannot be recorded: 503, so WeCom keeps retrying.
      sim.completeJobs();
      await waitFor('two refused deliveries', () => sim.deliveries(jobId).filter((d) => d.done).length >= 2);
      const refused = sim.deliveries(jobId).filter((d) => d.done);
      expect(refused.map((d) => d.status)).toEqual(refused.map(() => 503));
      expect(completedEvents([a, b, c], jobId)).toEqual([]);
    } finally {
      await redis.restart(); // empty: persistence is off, like a Redis that lost its data
    }

    const completed = await settledCompletions([a, b, c], jobId, 12_000);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ jobId, source: 'callback', errCode: 0, failedRows: 0 });
    expectRows(completed[0].result, rows);
    const attempts = sim.deliveries(jobId);
    expect(attempts.filter((d) => d.ok)).toHaveLength(1);
    expect(attempts.at(-1)).toMatchObject({ ok: true, status: 200 });
    expect(attempts.slice(0, -1).every((d) => d.status === 503)).toBe(true);
    // The job was recorded again from the callback and is readable cluster-wide.
    expect(await storedJob(jobId)).toMatchObject({ jobId, status: 'completed', completion: { source: 'callback' } });
    expect(await b.call('waitForJob', { jobId, timeoutMs: 5_000 })).toEqual(completed[0]);
    expectHealthy([a, b, c]);
    process.stderr.write(`cluster: callback refused ${attempts.length - 1}× during the outage, then accepted\n`);
  }, 40_000);

  // Regression: a lock request that timed out for its caller still reached Redis once it answered again, taking
  // the lock with a lease id nobody held — the corp's import lock stuck for its whole lease on every instance.
  it('a Redis that hangs during a submission does not block the corp’s imports once it answers again', async () => {
    const sim = await simulator({ jobDelayMs: 20 });
    const [a, b] = await boot(configs(2));
    const first = await a.call<{ jobId: string }>('syncUsers', { users: members(5, 'hng', 1) });
    await a.call('waitForJob', { jobId: first.jobId, timeoutMs: 5_000 });

    redis.pause(); // a hung Redis: connections stay open, nothing is answered
    let hung: RemoteError;
    try {
      hung = await remoteError(a.call('syncUsers', { users: members(5, 'hnh', 2) }));
    } finally {
      redis.resume();
    }
    expect(hung).toMatchObject({ name: 'WeComStoreError', operation: 'acquireLock', timedOut: true });
    expect(sim.jobs()).toHaveLength(1);

    // Redis answers again: the next submission, on any instance, goes through at once.
    const next = await b.call<{ jobId: string }>('syncUsers', { users: members(5, 'hnh', 2) }, 6_000);
    expect(sim.jobs().map((j) => j.jobId)).toEqual([first.jobId, next.jobId]);
    expectHealthy([a, b]);
  }, 40_000);

  it('app.close() lets the process exit promptly: nothing of the RedisStore keeps it alive', async () => {
    await simulator({ jobDelayMs: 20 });
    // A: the app's own ioredis client (closed by the app after app.close()); B: the store's own connection.
    const [aConfig, bConfig] = configs(2);
    const [a, b] = await boot([aConfig, { ...bConfig, storeConnection: 'url' }]);
    // Use everything first: token, locks, job record, callback, pub/sub notification to B.
    const rows = members(10, 'clo', 7);
    const { jobId } = await a.call<{ jobId: string }>('syncUsers', { users: rows });
    const done = await b.call<Record<string, unknown>>('waitForJob', { jobId, timeoutMs: 10_000 });
    expect(done).toMatchObject({ jobId, source: 'callback' });

    const exits = await Promise.all([a.shutdown(), b.shutdown()]);
    expect(exits.map((e) => [e.exitedByItself, e.code])).toEqual([
      [true, 0],
      [true, 0],
    ]);
    for (const exit of exits) expect(exit.ms).toBeLessThan(2_000);
    expectHealthy([a, b]);
    process.stderr.write(`cluster: shutdown to exit: ${JSON.stringify(exits)}\n`);
  }, 40_000);

  it('app.close() lets the process exit promptly also while Redis is down', async () => {
    await simulator({ jobDelayMs: 20 });
    const [aConfig, bConfig] = configs(2);
    const [a, b] = await boot([
      // ioredis's quit() of a client whose server is gone waits `disconnectTimeout` (2 s by default) before
      // letting go: that is the app's own client, not the module — keep it short here to measure the module.
      { ...aConfig, redisOptions: { ...aConfig.redisOptions, disconnectTimeout: 100 } },
      { ...bConfig, storeConnection: 'url' },
    ]);
    await redis.stop();
    try {
      const exits = await Promise.all([a.shutdown(), b.shutdown()]);
      expect(exits.map((e) => [e.exitedByItself, e.code])).toEqual([
        [true, 0],
        [true, 0],
      ]);
      for (const exit of exits) expect(exit.ms).toBeLessThan(2_000);
      process.stderr.write(`cluster: shutdown to exit with Redis down: ${JSON.stringify(exits)}\n`);
    } finally {
      await redis.restart();
    }
    expectHealthy([a, b]);
  }, 40_000);

  afterAll(() => {
    // Secrets never reach any instance's output (log lines of every level, errors), in any test.
    for (const instance of everyInstance) {
      for (const secret of SECRETS)
        expect({ [instance.name]: instance.logs.includes(secret) }).toEqual({ [instance.name]: false });
      expect(instance.logs).not.toMatch(/access_token=(?!\*\*\*)/);
    }
    process.stderr.write(`cluster: boot of each group of instances: ${bootTimes.join(', ')} ms\n`);
  });
});

/** Turns a getResult answer with errors into a rejection with the first one (for `remoteError`). */
function throwFirst(answer: unknown): unknown {
  const { errors } = answer as { errors: RemoteError[] };
  if (errors.length > 0) throw new InstanceCallError('instance', 'getResult', errors[0]);
  return answer;
}
