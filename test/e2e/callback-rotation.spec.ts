import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchService,
  MemoryStore,
  RedisStore,
  WeComBatchModule,
  type WeComBatchStore,
  type WeComCallbackKeyPair,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { describeWithRedis, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { ADAPTERS, type AdapterName } from './helpers/app.js';
import { CORP, members, startSimulator } from './helpers/batch-app.js';
import { waitFor } from './helpers/callback-app.js';
import { batchJobResultXml, buildDelivery, postCallback } from './helpers/callback-delivery.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { EventRecorder } from './helpers/event-recorder.js';
import { freePort } from './helpers/free-port.js';

// Rotating the callback Token + EncodingAESKey without losing a job: a job submitted with pair K1 (WeCom signs its
// callback with K1, whatever the app's keys are later) completes by that callback after the app was restarted with
// K2 as its current pair and K1 in `callback.acceptedKeys` — exactly once; a pair it does not know gets 401.

const K1: WeComCallbackKeyPair = { token: CORP.callbackToken, encodingAESKey: CORP.encodingAESKey };
const K2: WeComCallbackKeyPair = {
  token: 'RotatedToken2026',
  encodingAESKey: 'Um90YXRlZEtleTIwMjZhYmNkZWZnaGlqa2xtbm9wcXJ',
};
const K3: WeComCallbackKeyPair = {
  token: 'UnknownToken',
  encodingAESKey: 'VW5rbm93bktleTIwMjZhYmNkZWZnaGlqa2xtbm9wcXJ',
};
const SECRETS = [CORP.corpSecret, K1.token, K1.encodingAESKey, K2.token, K2.encodingAESKey];

/** The fingerprint the module names a pair by, computed independently: sha256(token \n key), 12 hex digits. */
function fingerprint(pair: WeComCallbackKeyPair): string {
  return createHash('sha256').update(`${pair.token}\n${pair.encodingAESKey}`).digest('hex').slice(0, 12);
}

@Module({ providers: [EventRecorder] })
class RecorderModule {}

interface Instance {
  app: INestApplication;
  batch: BatchService;
  events: EventRecorder;
  logger: CapturingLogger;
  callbackUrl: string;
}

const running: Instance[] = [];

/** One app instance on `port` whose current callback pair is `current`, also accepting `accepted`. */
async function boot(
  sim: WeComSimulator,
  adapter: AdapterName,
  port: number,
  store: WeComBatchStore,
  current: WeComCallbackKeyPair,
  accepted: WeComCallbackKeyPair[],
  publicPort = port,
): Promise<Instance> {
  const logger = new CapturingLogger();
  const callbackUrl = `http://127.0.0.1:${publicPort}/wecom/batch/callback`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      EventEmitterModule.forRoot(),
      WeComBatchModule.forRoot({
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        apiBaseUrl: sim.baseUrl,
        store,
        callback: { url: callbackUrl, ...current, acceptedKeys: accepted },
        requestTimeoutMs: 2_000,
        retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, rateLimitDelayMs: 100 },
        // Completion must come from the callback: polling would only start after a minute.
        polling: { callbackGraceMs: 60_000, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 120_000 },
      }),
      RecorderModule,
    ],
  })
    .setLogger(logger)
    .compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  await app.listen(port, '127.0.0.1');
  const instance = {
    app,
    batch: app.get(BatchService),
    events: app.get(EventRecorder),
    logger,
    callbackUrl: `http://127.0.0.1:${port}/wecom/batch/callback`,
  };
  running.push(instance);
  return instance;
}

async function stop(instance: Instance): Promise<void> {
  running.splice(running.indexOf(instance), 1);
  await instance.app.close();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.app.close()));
});

describe.each(ADAPTERS)('key rotation on %s', (adapter) => {
  let sim: WeComSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ jobDelayMs: Infinity });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('a job submitted with K1 completes by its K1-signed callback after a restart with K2 + acceptedKeys [K1], once', async () => {
    const store = new MemoryStore();
    const port = await freePort();
    const before = await boot(sim, adapter, port, store, K1, []);
    const job = await before.batch.syncUsers({ users: members(3, 'rot') });
    // The record names the pair it was submitted with — by fingerprint, never the key.
    const record = await store.getJob(CORP.corpId, job.jobId);
    expect(record?.callbackKeyFingerprint).toBe(fingerprint(K1));
    expect(JSON.stringify(record)).not.toContain(K1.encodingAESKey);
    await stop(before);

    // Rotating without keeping K1: the bootstrap says which pending jobs would only complete by polling.
    const forgetful = await boot(sim, adapter, await freePort(), store, K2, [], port);
    const warning = forgetful.logger.lines.find((l) => l.level === 'warn' && l.text.includes(fingerprint(K1)));
    expect(warning?.text).toMatch(/1 pending job\(s\).*callback\.acceptedKeys/);
    await stop(forgetful);

    const after = await boot(sim, adapter, port, store, K2, [K1]);
    sim.completeJobs(CORP.corpId);
    await sim.settled();
    await waitFor(() => after.events.completed.some((e) => e.jobId === job.jobId), 10_000, 'the completed event');
    const delivered = sim.deliveries(job.jobId);
    expect(delivered.length).toBeGreaterThanOrEqual(1);

    // WeCom's retry of the same callback: acknowledged, nothing happens twice.
    const retry = buildDelivery(
      { ...K1, corpId: CORP.corpId },
      batchJobResultXml({ corpId: CORP.corpId, jobId: job.jobId, jobType: 'sync_user' }),
    );
    expect((await postCallback(after.callbackUrl, retry.query, retry.body)).status).toBe(200);
    // A pair the app does not know.
    const foreign = buildDelivery(
      { ...K3, corpId: CORP.corpId },
      batchJobResultXml({ corpId: CORP.corpId, jobId: job.jobId, jobType: 'sync_user' }),
    );
    expect((await postCallback(after.callbackUrl, foreign.query, foreign.body)).status).toBe(401);
    await sleep(300);

    const completed = after.events.completed.filter((e) => e.jobId === job.jobId);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ source: 'callback', errCode: 0 });
    // The log says which pair verified it — by fingerprint — and carries no key.
    expect(
      after.logger.lines.some((l) => l.text.includes(fingerprint(K1)) && l.text.includes('accepted pair #1')),
    ).toBe(true);
    expect(after.logger.leaking(SECRETS)).toEqual([]);
  });
});

describeWithRedis('key rotation across two instances sharing a RedisStore', () => {
  let server: RedisServerHandle;
  let sim: WeComSimulator;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    sim = await startSimulator({ jobDelayMs: Infinity });
  });
  afterAll(async () => {
    await sim?.close();
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await server?.stop();
  });

  it('K1 job, then A and B both on K2 + [K1]: the callback lands on B, waitForJob on A resolves, one event', async () => {
    const prefix = `rotation-${Date.now()}:`;
    const storeFor = (): RedisStore => {
      const client = new Redis(server.port, server.host, { maxRetriesPerRequest: 2 });
      clients.push(client);
      return new RedisStore(client, { keyPrefix: prefix });
    };
    const portB = await freePort();
    const old = await boot(sim, 'express', portB, storeFor(), K1, []);
    const job = await old.batch.syncUsers({ users: members(2, 'redis-rot') });
    await stop(old);

    const portA = await freePort();
    // A's public callback URL is B's: a load balancer may send WeCom's delivery to either instance.
    const a = await boot(sim, 'express', portA, storeFor(), K2, [K1], portB);
    const b = await boot(sim, 'fastify', portB, storeFor(), K2, [K1]);
    const waiting = a.batch.waitForJob(job.jobId, { timeoutMs: 15_000 });
    sim.completeJobs(CORP.corpId);
    await sim.settled();
    const event = await waiting;
    expect(event).toMatchObject({ jobId: job.jobId, source: 'callback' });
    await sleep(300);
    const all = [...a.events.completed, ...b.events.completed].filter((e) => e.jobId === job.jobId);
    expect(all).toHaveLength(1);
    expect(b.logger.lines.some((l) => l.text.includes(fingerprint(K1)))).toBe(true);
    for (const instance of [a, b]) expect(instance.logger.leaking(SECRETS)).toEqual([]);
  });
});
