import { Injectable, Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  MemoryStore,
  WECOM_BATCH_EVENTS,
  WeComBatchModule,
  type BatchJobType,
  type WeComBatchModuleOptions,
  type WeComBatchStore,
} from 'nestjs-wecom-batch';
import { forbidSecretsOf } from '../../setup/secret-registry.js';
import type { AdapterName } from './app.js';
import { CapturingLogger } from './capturing-logger.js';
import { EventRecorder } from './event-recorder.js';

/** A deliberately slow `completed` listener (10 s, or until released): the callback is acknowledged without it. */
@Injectable()
export class SlowCompletedListener {
  slowStarted = 0;
  slowFinished = 0;
  private readonly release = new AbortController();

  @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED, { async: true })
  async slowListener(): Promise<void> {
    this.slowStarted++;
    await sleep(10_000, undefined, { signal: this.release.signal }).catch(() => undefined);
    this.slowFinished++;
  }

  releaseSlowListeners(): void {
    this.release.abort();
  }
}

@Module({ providers: [EventRecorder, SlowCompletedListener] })
class RecorderModule {}

export type Registration = 'forRoot' | 'forRootAsync';
export const REGISTRATIONS: Registration[] = ['forRoot', 'forRootAsync'];

export interface CallbackApp {
  app: INestApplication;
  /** Base URL of the app, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Full URL of the built-in callback route. */
  callbackUrl: string;
  events: EventRecorder;
  slow: SlowCompletedListener;
  logger: CapturingLogger;
  /** The app's store (the one given in the options, or a MemoryStore made here). */
  store: WeComBatchStore;
  /**
   * Writes the pending record a submission by this module would have written, so that the job's callback is
   * followed (a callback for a job with no record is acknowledged and dropped by default).
   */
  submitted(jobId: string, jobType?: BatchJobType): Promise<void>;
  close(): Promise<void>;
}

/**
 * Boots an app with the module (registered with `forRoot` or `forRootAsync`), an event recorder and a capturing
 * logger, on Express or Fastify, listening on a free loopback port.
 */
export async function bootCallbackApp(
  adapter: AdapterName,
  registration: Registration,
  givenOptions: WeComBatchModuleOptions,
  extra: {
    callbackPath?: string;
    registerCallbackController?: boolean;
    /** More modules of the app. */
    imports?: Array<Type<unknown> | DynamicModule>;
    /** Controllers of the app's root module (which imports WeComBatchModule, so they can inject its services). */
    controllers?: Array<Type<unknown>>;
    /** Runs after the app is created and before it listens (body parsers, global prefix…). */
    configure?: (app: INestApplication) => void;
  } = {},
): Promise<CallbackApp> {
  const logger = new CapturingLogger();
  const store = givenOptions.store ?? new MemoryStore();
  // Registered for the whole-run telemetry guard (test/setup/otel-leak-guard.ts): rotated keys included.
  const options: WeComBatchModuleOptions = forbidSecretsOf({ ...givenOptions, store });
  const { callbackPath, registerCallbackController } = extra;
  const module =
    registration === 'forRoot'
      ? WeComBatchModule.forRoot({ ...options, callbackPath, registerCallbackController })
      : WeComBatchModule.forRootAsync({
          useFactory: async () => options,
          callbackPath,
          registerCallbackController,
        });
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), module, RecorderModule, ...(extra.imports ?? [])],
    controllers: extra.controllers ?? [],
  })
    .setLogger(logger)
    .compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
      : moduleRef.createNestApplication({ logger });
  extra.configure?.(app);
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const events = app.get(EventRecorder);
  const slow = app.get(SlowCompletedListener);
  return {
    app,
    url: base,
    callbackUrl: `${base}/${(extra.callbackPath ?? 'wecom/batch/callback').replace(/^\//, '')}`,
    events,
    slow,
    logger,
    store,
    submitted: (jobId, jobType = 'sync_user') =>
      store.saveJob({ corpId: options.corpId, jobId, jobType, submittedAt: Date.now(), status: 'pending' }, 3_600_000),
    close: async () => {
      slow.releaseSlowListeners();
      await app.close();
    },
  };
}

/** Resolves once `condition()` holds; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
