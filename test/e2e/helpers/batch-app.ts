import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { BatchService, WeComBatchModule, type WeComBatchModuleOptions } from 'nestjs-wecom-batch';
import { WeComSimulator, type WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import { forbidSecretsOf, watchSimulator } from '../../setup/secret-registry.js';
import type { AdapterName } from './app.js';
import { EventRecorder } from './event-recorder.js';
import { freePort } from './free-port.js';

/** The simulated corp of the batch suites. Its secrets are asserted never to be logged. */
export const CORP = forbidSecretsOf({
  corpId: 'wwbatche2e0000001',
  corpSecret: 'BatchE2eCorpSecret-0123456789abcdef',
  callbackToken: 'BatchE2eCallbackToken01',
  encodingAESKey: 'Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWp',
});

@Module({ providers: [EventRecorder] })
class RecorderModule {}

export interface BatchApp {
  app: INestApplication;
  batch: BatchService;
  events: EventRecorder;
  close(): Promise<void>;
}

/**
 * Boots an app with the module pointed at `sim` (API base URL, and the callback URL on the app's own port),
 * with short polling and retry timings so fallbacks happen within a test.
 */
export async function startBatchApp(
  sim: WeComSimulator,
  adapter: AdapterName,
  logger: LoggerService | false,
  overrides: Partial<WeComBatchModuleOptions> = {},
): Promise<BatchApp> {
  const port = await freePort();
  const options: WeComBatchModuleOptions = {
    corpId: CORP.corpId,
    corpSecret: CORP.corpSecret,
    apiBaseUrl: sim.baseUrl,
    callback: {
      url: `http://127.0.0.1:${port}/wecom/batch/callback`,
      token: CORP.callbackToken,
      encodingAESKey: CORP.encodingAESKey,
    },
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 50, rateLimitDelayMs: 100 },
    polling: { callbackGraceMs: 400, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 },
    ...forbidSecretsOf(overrides),
  };
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), WeComBatchModule.forRoot(options), RecorderModule],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  await app.listen(port, '127.0.0.1');
  return { app, batch: app.get(BatchService), events: app.get(EventRecorder), close: () => app.close() };
}

/** Starts a simulator with the suite's corp and a small department tree. */
export async function startSimulator(options: { jobDelayMs?: number } = {}): Promise<WeComSimulator> {
  const simulatorOptions: WeComSimulatorOptions = {
    corps: [
      {
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        creator: 'boss',
        departments: [
          { id: 1, name: '测试企业', parentId: 0, order: 0 },
          { id: 2, name: '研发部', parentId: 1, order: 0 },
          { id: 3, name: '市场部', parentId: 1, order: 0 },
        ],
        users: [{ userid: 'boss', name: '老板', mobile: '13800000000', departments: [1] }],
      },
    ],
    jobDelayMs: options.jobDelayMs ?? 20,
    callbackTimeoutMs: 1_000,
    callbackRetryDelayMs: 50,
  };
  // Registered for the whole-run telemetry guard (test/setup/otel-leak-guard.ts).
  return watchSimulator(await WeComSimulator.start(simulatorOptions), simulatorOptions);
}

/** `count` members with Chinese names, unique ids, mobiles and e-mails, spread over departments 2 and 3. */
export function members(
  count: number,
  prefix = 'user',
): Array<{
  userid: string;
  name: string;
  mobile: string;
  email: string;
  departments: number[];
  position: string;
}> {
  const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
  return Array.from({ length: count }, (_, i) => ({
    userid: `${prefix}${String(i).padStart(5, '0')}`,
    name: `${surnames[i % surnames.length]}员工${i}`,
    mobile: `139${String(i).padStart(8, '0')}`,
    email: `${prefix}${i}@example.com`,
    departments: [2 + (i % 2)],
    position: i % 7 === 0 ? '经理' : '工程师',
  }));
}
