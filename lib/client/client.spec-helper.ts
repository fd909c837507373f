// Builds the WeCom client the way CLIENT_PROVIDERS wires it, without a Nest module (specs create many clients,
// synchronously, and a compiled testing module would replace the static logger the specs capture).
import { type FactoryProvider, type LoggerService, ConsoleLogger, Logger } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { afterEach, beforeEach, expect } from '@jest/globals';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { Redactor } from '../internal/redactor.util.js';
import { MemoryStore } from '../stores/memory.store.js';
import { WeComSimulator } from '../testing/index.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import { type ResolvedWeComBatchOptions, type WeComBatchModuleOptions } from '../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import { AccessTokenFetcher } from './access-token.fetcher.js';
import { AccessTokenManager } from './access-token.manager.js';
import { httpProvider } from './http.provider.js';
import { RetryPolicy } from './retry-policy.service.js';
import { WeComClient } from './wecom-client.service.js';
import { WeComRequestRunner } from './wecom-request-runner.service.js';

/** The CorpID the client specs use. */
export const CORP_ID = 'wwfake0123456789';
/** The corp secret the client specs use (checked to never appear in logs or errors). */
export const CORP_SECRET = 'S3cr3t-Of-The-Contacts-Sync-App-0123456789';

/**
 * The simulator the client specs talk to, serving the spec corp. `batch/getresult` answers a plain
 * `{ errcode: 0, errmsg: 'ok' }` after the token check: these specs are about the HTTP client (tokens, retries,
 * errors), not job results, and need an endpoint that succeeds without a job. `sim.respondWith('batch/getresult',
 * undefined)` restores the simulated WeCom behaviour.
 */
export async function startSimulator(): Promise<WeComSimulator> {
  const sim = await WeComSimulator.start({ corps: [{ corpId: CORP_ID, corpSecret: CORP_SECRET }] });
  sim.respondWith('batch/getresult', () => ({ body: { errcode: 0, errmsg: 'ok' } }));
  return sim;
}

/** Options of a client talking to `apiBaseUrl`, with short delays so retry specs stay fast. */
export function clientOptions(
  apiBaseUrl: string,
  overrides: Partial<WeComBatchModuleOptions> = {},
): ResolvedWeComBatchOptions {
  return resolveWeComBatchOptions({
    corpId: CORP_ID,
    corpSecret: CORP_SECRET,
    apiBaseUrl,
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, rateLimitDelayMs: 50 },
    ...overrides,
  });
}

/** A client with its collaborators, as the module builds them. `close()` does what the module's shutdown does. */
export interface TestClient {
  client: WeComClient;
  store: WeComBatchStore;
  tokens: AccessTokenManager;
  close: () => void;
}

/** A WeComClient built the way the module builds it (the module's own HttpService provider). */
export function createClient(
  options: ResolvedWeComBatchOptions,
  store: WeComBatchStore = new MemoryStore(),
): TestClient {
  const http = (httpProvider as FactoryProvider<HttpService>).useFactory(options) as HttpService;
  const redactor = new Redactor([options.corpSecret]);
  const runner = new WeComRequestRunner(options, http, redactor, new RetryPolicy(options.retry));
  const fetcher = new AccessTokenFetcher(options, runner);
  const tokens = new AccessTokenManager({ options, store, redactor, fetchToken: () => fetcher.fetch() });
  return { client: new WeComClient(tokens, runner), store, tokens, close: () => runner.onModuleDestroy() };
}

/** The `WeComApiError` `promise` rejects with; fails the spec if it resolves or rejects with something else. */
export async function apiFailure(promise: Promise<unknown>): Promise<WeComApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WeComApiError);
    return error as WeComApiError;
  }
  throw new Error('expected the call to fail');
}

/** Captures everything Nest's Logger prints, at every level, until `restore()`. */
export function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]): void => {
      lines.push(`${level} ${[message, ...rest].map((m) => (typeof m === 'string' ? m : safeJson(m))).join(' ')}`);
    };
  const logger: LoggerService = {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
  Logger.overrideLogger(logger);
  return { lines, restore: () => Logger.overrideLogger(new ConsoleLogger()) };
}

function safeJson(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message} ${value.stack ?? ''}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The parts of a multipart/form-data body. */
export function parseMultipart(
  contentType: string | undefined,
  body: Buffer,
): { name?: string; filename?: string; contentType?: string; data: Buffer }[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!boundary) throw new Error(`not multipart: ${contentType}`);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: { name?: string; filename?: string; contentType?: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, headerEnd).toString('utf8');
    parts.push({
      name: /name="([^"]*)"/i.exec(head)?.[1],
      filename: /filename="([^"]*)"/i.exec(head)?.[1],
      contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1],
      data: part.subarray(headerEnd + 4),
    });
    start = next;
  }
  return parts;
}

/** What {@link simulatorPerTest} gives a spec: the current test's simulator and captured logs, and lookups. */
export interface SimulatorPerTest {
  readonly sim: WeComSimulator;
  readonly logs: ReturnType<typeof captureLogs>;
  /** Requests of an endpoint as received (unredacted). */
  received(endpoint: Parameters<WeComSimulator['rawRequests']>[0]): ReturnType<WeComSimulator['rawRequests']>;
  /** How many requests an endpoint received. */
  count(endpoint: Parameters<WeComSimulator['rawRequests']>[0]): number;
  /** The query parameters of a received request. */
  query(request: { url: string }): URLSearchParams;
}

/**
 * Registers the hooks every client spec file needs: captured logs per test (compiling a Nest testing module
 * replaces the static logger, so capturing once per file would miss lines) and a fresh simulator per test.
 */
export function simulatorPerTest(): SimulatorPerTest {
  let sim: WeComSimulator | undefined;
  let logs: ReturnType<typeof captureLogs> | undefined;
  beforeEach(async () => {
    logs = captureLogs();
    sim = await startSimulator();
  });
  afterEach(async () => {
    logs?.restore();
    await sim?.close();
  });
  const current = (): WeComSimulator => {
    if (!sim) throw new Error('simulatorPerTest(): no simulator outside a test');
    return sim;
  };
  return {
    get sim() {
      return current();
    },
    get logs() {
      if (!logs) throw new Error('simulatorPerTest(): no logs outside a test');
      return logs;
    },
    received: (endpoint) => current().rawRequests(endpoint),
    count: (endpoint) => current().requests(endpoint).length,
    query: (request) => new URL(request.url, 'http://sim').searchParams,
  };
}
