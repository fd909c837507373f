import { Module, type DynamicModule, type INestApplication, type LoggerService } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { WeComCrypto, type WeComBatchModuleOptions, type WeComCallbackOptions } from 'nestjs-wecom-batch';
import { WeComSimulator, type WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import { forbidSecretsOf, watchSimulator } from '../../setup/secret-registry.js';
import type { AdapterName } from './app.js';
import { envelope, nowSeconds, postCallback, type Answer } from './callback-delivery.js';
import { EventRecorder } from './event-recorder.js';
import { freePort } from './free-port.js';

/** A simulated corp with its own secret and callback keys (no two corps share a key). */
export interface TestCorp {
  corpId: string;
  corpSecret: string;
  token: string;
  encodingAESKey: string;
}

function corp(letter: string, fill: string): TestCorp {
  // Registered for the whole-run telemetry guard (test/setup/otel-leak-guard.ts).
  return forbidSecretsOf({
    corpId: `wwcorps${letter}0000000001`,
    corpSecret: `CorpsSecret-${letter}-0123456789abcdef`,
    token: `CorpsToken${letter}01`,
    encodingAESKey: `${fill.repeat(40)}${letter}12`.slice(0, 43),
  });
}

export const CORP_A = corp('A', 'a');
export const CORP_B = corp('B', 'b');
export const CORP_C = corp('C', 'c');

/** Every secret of the corps, asserted never to be logged. */
export const CORP_SECRETS = [CORP_A, CORP_B, CORP_C].flatMap((c) => [c.corpSecret, c.token, c.encodingAESKey]);

/** A simulator hosting `corps`, with fast jobs and callbacks. */
export async function startCorpsSimulator(corps: TestCorp[]): Promise<WeComSimulator> {
  const options: WeComSimulatorOptions = {
    corps: corps.map((c) => ({ corpId: c.corpId, corpSecret: c.corpSecret })),
    jobDelayMs: 20,
    callbackTimeoutMs: 1_000,
    callbackRetryDelayMs: 50,
  };
  return watchSimulator(await WeComSimulator.start(options), options);
}

/** `callback` options of `c` pointing to `url`. */
export function callbackOf(c: TestCorp, url: string): WeComCallbackOptions {
  return { url, token: c.token, encodingAESKey: c.encodingAESKey };
}

/**
 * Options for `c` against `sim`. The callback grace is long: a job that completes within a test completed by its
 * callback, never by polling.
 */
export function corpOptions(
  sim: WeComSimulator,
  c: TestCorp,
  callbackUrl: string,
  overrides: Partial<WeComBatchModuleOptions> = {},
): WeComBatchModuleOptions {
  return {
    corpId: c.corpId,
    corpSecret: c.corpSecret,
    apiBaseUrl: sim.baseUrl,
    callback: callbackOf(c, callbackUrl),
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, rateLimitDelayMs: 100 },
    polling: { callbackGraceMs: 60_000, initialIntervalMs: 50, maxIntervalMs: 200, timeoutMs: 60_000 },
    fetchResults: false,
    ...overrides,
  };
}

@Module({ providers: [EventRecorder] })
export class RecorderModule {}

/** Boots `imports` (plus the event emitter and the recorder) on `adapter`, listening on `port`. */
export async function bootOn(
  adapter: AdapterName,
  port: number,
  imports: Array<DynamicModule | (new () => unknown)>,
  logger: LoggerService | false = false,
  setup: (app: INestApplication) => void = () => undefined,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), RecorderModule, ...imports],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  setup(app);
  await app.listen(port, '127.0.0.1');
  return app;
}

export { freePort };

/** A `batch_job_result` delivery for `to` (the envelope's ToUserName and the receiveId), sealed with `keys`. */
export function postJobResult(
  url: string,
  to: string,
  keys: TestCorp,
  jobId = `J${Date.now()}${Math.random().toString(36).slice(2, 10)}`,
): Promise<Answer> {
  const crypto = new WeComCrypto({ token: keys.token, encodingAESKey: keys.encodingAESKey, receiveId: to });
  const xml =
    `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${nowSeconds()}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobId}]]></JobId>` +
    `<JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>`;
  const encrypt = crypto.encrypt(xml);
  const timestamp = String(nowSeconds());
  const nonce = String(Math.floor(Math.random() * 1e9));
  const signature = crypto.signature(timestamp, nonce, encrypt);
  const query = `msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
  return postCallback(url, query, envelope(encrypt, to));
}

let memberCounter = 0;

/** Members for one corp: ids from `prefix`, mobiles unique in the run, in the root department. */
export function someMembers(
  prefix: string,
  count = 2,
): Array<{ userid: string; name: string; mobile: string; departments: number[] }> {
  return Array.from({ length: count }, (_, i) => ({
    userid: `${prefix}${i}`,
    name: `成员${prefix}${i}`,
    mobile: `137${String(++memberCounter).padStart(8, '0')}`,
    departments: [1],
  }));
}

/** Waits until `check` is true (polled every 20 ms), or fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
