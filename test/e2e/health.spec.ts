import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  BatchService,
  MemoryStore,
  WeComBatchHealthIndicator,
  WeComBatchModule,
  type JobRecord,
  type TokenRecord,
  type WeComBatchModuleOptions,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS, bootApp, type BootedApp } from './helpers/app.js';
import { CORP, startSimulator } from './helpers/batch-app.js';

// WeComBatchHealthIndicator behind a real @nestjs/terminus health endpoint (Terminus 12 with Nest 12, 11 with
// Nest 11 — CI runs both), registered the way the README tells users to.

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly wecom: WeComBatchHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.wecom.isHealthy('wecom')]);
  }
}

/** A MemoryStore that can be switched off, as a Redis that went away. */
class SwitchableStore extends MemoryStore {
  down = false;
  override getToken(key: string): Promise<TokenRecord | null> {
    return this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : super.getToken(key);
  }
  override listPendingJobs(corpId: string): Promise<JobRecord[]> {
    return this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : super.listPendingJobs(corpId);
  }
}

function healthModule(options: WeComBatchModuleOptions): DynamicModule {
  @Module({
    imports: [
      TerminusModule.forRoot({ logger: false }),
      EventEmitterModule.forRoot(),
      WeComBatchModule.forRoot(options),
    ],
    controllers: [HealthController],
  })
  class HealthAppModule {}
  return { module: HealthAppModule };
}

let sim: WeComSimulator;
let running: BootedApp | undefined;

beforeEach(async () => {
  sim = await startSimulator({ jobDelayMs: 60_000 });
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await sim.close();
});

function options(overrides: Partial<WeComBatchModuleOptions> = {}): WeComBatchModuleOptions {
  return {
    corpId: CORP.corpId,
    corpSecret: CORP.corpSecret,
    apiBaseUrl: sim.baseUrl,
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, rateLimitDelayMs: 100 },
    ...overrides,
  };
}

/** Terminus's answer: `info` (up) or `error` (down) per indicator key. */
interface HealthBody {
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
}

async function probe(app: BootedApp): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${app.url}/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

describe.each(ADAPTERS)('WeComBatchHealthIndicator with Terminus on %s', (adapter) => {
  it('up: the store answers and a token is obtained once, then cached (no gettoken per probe)', async () => {
    running = await bootApp([healthModule(options())], adapter);
    const first = await probe(running);
    expect(first.status).toBe(200);
    expect(first.body.info.wecom).toMatchObject({
      status: 'up',
      corpId: CORP.corpId,
      store: 'up',
      token: { state: 'obtained' },
      pendingJobs: 0,
      overdueJobs: 0,
    });
    for (let i = 0; i < 5; i++) await probe(running);
    const later = await probe(running);
    expect(later.body.info.wecom.token).toMatchObject({ state: 'cached', expiresInSeconds: expect.any(Number) });
    expect(sim.requests('gettoken')).toHaveLength(1);
  });

  it('down when the store is down (503), up again when it is back', async () => {
    const store = new SwitchableStore();
    running = await bootApp([healthModule(options({ store }))], adapter);
    expect((await probe(running)).status).toBe(200);
    store.down = true;
    const down = await probe(running);
    expect(down.status).toBe(503);
    expect(down.body.error.wecom).toMatchObject({ status: 'down', store: 'down', storeError: expect.any(String) });
    expect(JSON.stringify(down.body)).not.toContain(CORP.corpSecret);
    store.down = false;
    expect((await probe(running)).status).toBe(200);
  });

  it('down on a bad secret, with the errcode, and no gettoken storm however often it is probed', async () => {
    const badSecret = 'NotTheRightSecret-0123456789abcdef';
    running = await bootApp([healthModule(options({ corpSecret: badSecret }))], adapter);
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await probe(running));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(503));
    expect(results[19]!.body.error.wecom).toMatchObject({
      status: 'down',
      store: 'up',
      token: { state: 'config_error', errcode: 40001 },
    });
    // One gettoken for 20 probes: a configuration error is never retried by the probe.
    expect(sim.requests('gettoken')).toHaveLength(1);
    expect(JSON.stringify(results)).not.toContain(badSecret);
  });

  it('down while a job is pending past polling.timeoutMs; callback age reported when callbacks are configured', async () => {
    running = await bootApp(
      [
        healthModule(
          options({
            polling: { callbackGraceMs: 0, initialIntervalMs: 50, maxIntervalMs: 100, timeoutMs: 300 },
            callback: {
              url: 'http://127.0.0.1:9/wecom/batch/callback',
              token: CORP.callbackToken,
              encodingAESKey: CORP.encodingAESKey,
            },
          }),
        ),
      ],
      adapter,
    );
    const job = await running.app.get(BatchService).syncUsers({
      users: [{ userid: 'pending1', name: '待定', mobile: '13900000001', departments: [2] }],
    });
    const fresh = await probe(running);
    expect(fresh.body.info.wecom).toMatchObject({
      pendingJobs: 1,
      overdueJobs: 0,
      callbacks: { lastCallbackAgeSeconds: null, completedByPollSinceLastCallback: 0 },
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const overdue = await probe(running);
    expect(overdue.status).toBe(503);
    expect(overdue.body.error.wecom).toMatchObject({ status: 'down', pendingJobs: 1, overdueJobs: 1 });
    expect(job.jobId).toEqual(expect.any(String));
  });
});
