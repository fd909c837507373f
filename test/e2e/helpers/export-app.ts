import { expect } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createDecipheriv } from 'node:crypto';
import {
  BatchService,
  MemoryStore,
  WeComBatchModule,
  type WeComBatchModuleOptions,
  type WeComBatchStore,
} from 'nestjs-wecom-batch';
import { WeComSimulator, type SimulatedMember, type WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import { forbidSecretsOf, watchSimulator } from '../../setup/secret-registry.js';
import type { AdapterName } from './app.js';
import { CapturingLogger } from './capturing-logger.js';
import { EventRecorder } from './event-recorder.js';
import { freePort } from './free-port.js';

// The export suites' corp, simulator and apps: a seeded directory (13 members, 4 departments, a tag) split into
// files of 5 records, the admin console's callback optional, and every export key kept to check the logs.

/** The simulated corp of the export suites (its keys are asserted never to be logged). */
export const CORP = forbidSecretsOf({
  corpId: 'wwexporte2e000001',
  corpSecret: 'ExportE2eCorpSecret-0123456789abcdef',
  token: 'ExportE2eCallbackToken1',
  encodingAESKey: 'RXhwb3J0RTJlQ2FsbGJhY2tLZXkwMTIzNDU2Nzg5YWJ',
  consoleToken: 'ExportE2eConsoleToken01',
  consoleKey: 'Q29uc29sZUtleUZvclRoZUV4cG9ydEUyZVN1aXRlMDE',
});

export const DEPARTMENTS = [
  { id: 1, name: '导出测试', parentId: 0, order: 0 },
  { id: 2, name: '研发部', parentId: 1, order: 100 },
  { id: 3, name: '市场部', parentId: 1, order: 50 },
  { id: 4, name: '前端组', parentId: 2, order: 10 },
];

export const USERS: SimulatedMember[] = Array.from({ length: 13 }, (_, i) => ({
  userid: `member${String(i).padStart(2, '0')}`,
  name: `${'王李张刘陈杨黄赵吴周'[i % 10]}员工${i}`,
  mobile: `139${String(i).padStart(8, '0')}`,
  email: `member${i}@example.com`,
  departments: i % 3 === 0 ? [2, 4] : [2 + (i % 3)],
  ...(i % 3 === 0 ? { isLeaderInDept: [false, true] } : {}),
  position: i % 4 === 0 ? '经理' : '工程师',
  ...(i % 2 === 0 ? { gender: '1' as const } : {}),
}));

/** Records per file in every export of this suite: several files per export. */
export const BLOCK = 5;

export const logger = new CapturingLogger();
/** Every export key the apps' stores held: none may appear in a log line. */
export const keys = new Set<string>();

export interface ExportApp {
  app: INestApplication;
  batch: BatchService;
  events: EventRecorder;
  store: WeComBatchStore;
  close(): Promise<void>;
}

/** The running simulator and apps of the current test (closed by {@link closeAll}). */
export const running: { sim?: WeComSimulator; apps: ExportApp[] } = { apps: [] };

@Module({ providers: [EventRecorder] })
class RecorderModule {}

export async function startSim(options: { console?: number; tags?: boolean } = {}): Promise<WeComSimulator> {
  const simulatorOptions: WeComSimulatorOptions = {
    corps: [
      {
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        creator: USERS[0].userid,
        departments: DEPARTMENTS,
        users: USERS,
        tags: [{ tagid: 7, tagname: '骨干', userids: ['member01', 'member02', 'member05'], partyids: [4] }],
        ...(options.console === undefined
          ? {}
          : {
              console: {
                url: `http://127.0.0.1:${options.console}/wecom/batch/callback`,
                token: CORP.consoleToken,
                encodingAESKey: CORP.consoleKey,
              },
            }),
      },
    ],
    jobDelayMs: 30,
    callbackRetryDelayMs: 50,
  };
  // Registered for the whole-run telemetry guard (test/setup/otel-leak-guard.ts).
  const sim = watchSimulator(await WeComSimulator.start(simulatorOptions), simulatorOptions);
  sim.forceExportBlockSize(BLOCK);
  running.sim = sim;
  return sim;
}

export async function startApp(
  adapter: AdapterName,
  overrides: Partial<WeComBatchModuleOptions> & { port?: number } = {},
): Promise<ExportApp> {
  const { port = await freePort(), ...rest } = overrides;
  const store = rest.store ?? new MemoryStore();
  const options: WeComBatchModuleOptions = {
    corpId: CORP.corpId,
    corpSecret: CORP.corpSecret,
    apiBaseUrl: (running.sim as WeComSimulator).baseUrl,
    callback: {
      url: `http://127.0.0.1:${port}/wecom/batch/callback`,
      token: CORP.token,
      encodingAESKey: CORP.encodingAESKey,
      acceptedKeys: [{ token: CORP.consoleToken, encodingAESKey: CORP.consoleKey }],
    },
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, rateLimitDelayMs: 100 },
    polling: { callbackGraceMs: 5_000, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 30_000 },
    ...forbidSecretsOf(rest),
    store,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), WeComBatchModule.forRoot(options), RecorderModule],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  await app.listen(port, '127.0.0.1');
  const booted: ExportApp = {
    app,
    batch: app.get(BatchService),
    events: app.get(EventRecorder),
    store,
    close: () => app.close(),
  };
  running.apps.push(booted);
  return booted;
}

/** The key the module kept for `jobId` (read from its store, as another instance would). */
export async function keyOf(store: WeComBatchStore, jobId: string): Promise<string> {
  const key = (await store.getJob(CORP.corpId, jobId))?.export?.encodingAesKey;
  expect(key).toMatch(/^[A-Za-z0-9]{43}$/);
  keys.add(key as string);
  return key as string;
}

/** The PKCS#7 pad of every file of `jobId`, decrypted here by hand (to show the suite covers pads over 16). */
export async function pads(jobId: string, encodingAesKey: string): Promise<number[]> {
  const s = running.sim as WeComSimulator;
  const token = s.issueToken(CORP.corpId);
  const answer = (await (
    await fetch(`${s.baseUrl}/cgi-bin/export/get_result?access_token=${token}&jobid=${encodeURIComponent(jobId)}`)
  ).json()) as { data_list: Array<{ url: string }> };
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const result: number[] = [];
  for (const { url } of answer.data_list) {
    const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
    result.push(plain[plain.length - 1]);
  }
  return result;
}

/** Waits until `condition()` holds (5 s at most). */
export async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function collect<T>(rows: AsyncIterable<T>): Promise<{ rows: T[]; error?: unknown }> {
  const seen: T[] = [];
  try {
    for await (const row of rows) seen.push(row);
  } catch (error) {
    return { rows: seen, error };
  }
  return { rows: seen };
}

/** Closes the apps and the simulator of the test (afterEach). */
export async function closeAll(): Promise<void> {
  for (const app of running.apps.splice(0)) await app.close();
  await running.sim?.close();
  running.sim = undefined;
}

/** No key of any export (nor the corp's secret or callback keys) in any log line of the file's apps (afterAll). */
export function expectNoLeaks(): void {
  expect(keys.size).toBeGreaterThan(0);
  expect(logger.leaking([...keys, CORP.corpSecret, CORP.consoleKey, CORP.encodingAESKey])).toEqual([]);
}
