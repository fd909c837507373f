import {
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
  type Type,
} from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WECOM_BATCH_EVENTS,
  WeComBatchModule,
  type BatchJobCompletedEvent,
  type CallbackRejectedEvent,
  type WeComBatchModuleOptions,
} from 'nestjs-wecom-batch';
import type { AdapterName } from './app.js';

/** A LoggerService that keeps every line, at every level, to assert what was (not) logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; text: string }> = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Lines (any level) that contain one of `secrets`. */
  leaking(secrets: readonly string[]): string[] {
    return this.lines.map((l) => l.text).filter((text) => secrets.some((secret) => text.includes(secret)));
  }

  private keep(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest]
      .map((part) =>
        part instanceof Error ? `${part.message}\n${part.stack}` : typeof part === 'string' ? part : safeJson(part),
      )
      .join(' ');
    this.lines.push({ level, text });
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Records the module's events. Also holds a deliberately slow `completed` listener (10 s, or until released)
 * to prove the callback is acknowledged without waiting for listeners.
 */
@Injectable()
export class EventRecorder {
  readonly completed: BatchJobCompletedEvent[] = [];
  readonly failed: BatchJobCompletedEvent[] = [];
  readonly rejected: CallbackRejectedEvent[] = [];
  slowStarted = 0;
  slowFinished = 0;
  private readonly release = new AbortController();

  @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
  onCompleted(event: BatchJobCompletedEvent): void {
    this.completed.push(event);
  }

  @OnEvent(WECOM_BATCH_EVENTS.JOB_FAILED)
  onFailed(event: BatchJobCompletedEvent): void {
    this.failed.push(event);
  }

  @OnEvent(WECOM_BATCH_EVENTS.CALLBACK_REJECTED)
  onRejected(event: CallbackRejectedEvent): void {
    this.rejected.push(event);
  }

  /** A listener that takes 10 s (cut short by `releaseSlowListeners()` so the suite does not wait for it). */
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

@Module({ providers: [EventRecorder] })
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
  logger: CapturingLogger;
  close(): Promise<void>;
}

/**
 * Boots an app with the module (registered with `forRoot` or `forRootAsync`), an event recorder and a capturing
 * logger, on Express or Fastify, listening on a free loopback port.
 */
export async function bootCallbackApp(
  adapter: AdapterName,
  registration: Registration,
  options: WeComBatchModuleOptions,
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
  return {
    app,
    url: base,
    callbackUrl: `${base}/${(extra.callbackPath ?? 'wecom/batch/callback').replace(/^\//, '')}`,
    events,
    logger,
    close: async () => {
      events.releaseSlowListeners();
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
