// A small programmable fake of WeCom's HTTP API for the client's unit specs (not the published simulator):
// gettoken with real token checks, scripted faults per endpoint, and a record of every request received.
import { type FactoryProvider, type LoggerService, ConsoleLogger, Logger } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../stores/memory.store.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import {
  resolveWeComBatchOptions,
  type ResolvedWeComBatchOptions,
  type WeComBatchModuleOptions,
} from '../wecom-batch.options.js';
import { httpProvider } from './http.provider.js';
import { WeComClient } from './wecom-client.js';

export const CORP_ID = 'wwfake0123456789';
export const CORP_SECRET = 'S3cr3t-Of-The-Contacts-Sync-App-0123456789';

/** One request the fake received. */
export interface ReceivedRequest {
  method: string;
  /** Path relative to `/cgi-bin/`, e.g. `batch/getresult`. */
  endpoint: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Client port of the connection: equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

/**
 * What the fake does with one request:
 * - an object: answered as JSON (HTTP 200);
 * - `{ status, body }`: answered with that status and raw body;
 * - `'reset'`: the connection is destroyed after the request was read (a reset after send);
 * - `'hang'`: never answered (the client's timeout fires after send);
 * - `{ delayMs, then }`: waits, then does `then`.
 */
export type FakeAction =
  Record<string, unknown> | { status: number; body: string } | 'reset' | 'hang' | { delayMs: number; then: FakeAction };

type Handler = (request: ReceivedRequest) => FakeAction | Promise<FakeAction>;

/** The fake WeCom. `start()` it on 127.0.0.1:0, `close()` it in afterEach. */
export class FakeWeCom {
  readonly received: ReceivedRequest[] = [];
  /** Tokens the fake accepts; `expireTokens()` empties it. */
  readonly validTokens = new Set<string>();
  /** Every token gettoken handed out, in order. */
  readonly issuedTokens: string[] = [];
  /** `expires_in` of the next tokens. */
  expiresIn = 7200;
  /** Delay of a successful gettoken answer (to widen races in single-flight specs). */
  tokenDelayMs = 0;
  private readonly scripts = new Map<string, FakeAction[]>();
  private readonly handlers = new Map<string, Handler>();
  private server: Server | undefined;
  private issued = 0;
  baseUrl = '';

  constructor(private readonly secret = CORP_SECRET) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next requests to `endpoint` get these actions, one each, before the normal behaviour resumes. */
  script(endpoint: string, ...actions: FakeAction[]): this {
    this.scripts.set(endpoint, [...(this.scripts.get(endpoint) ?? []), ...actions]);
    return this;
  }

  /** The normal answer of `endpoint` (after the token check). Default: `{ errcode: 0, errmsg: 'ok' }`. */
  on(endpoint: string, handler: Handler): this {
    this.handlers.set(endpoint, handler);
    return this;
  }

  /** Every token issued so far stops working (WeCom invalidating tokens early). */
  expireTokens(): void {
    this.validTokens.clear();
  }

  /** Requests received for `endpoint`. */
  requests(endpoint: string): ReceivedRequest[] {
    return this.received.filter((r) => r.endpoint === endpoint);
  }

  count(endpoint: string): number {
    return this.requests(endpoint).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ReceivedRequest = {
      method: req.method ?? 'GET',
      endpoint: url.pathname.replace(/^\/cgi-bin\//, ''),
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
      remotePort: req.socket.remotePort,
    };
    this.received.push(request);
    const scripted = this.scripts.get(request.endpoint)?.shift();
    await this.perform(scripted ?? (await this.answer(request)), req, res);
  }

  private async answer(request: ReceivedRequest): Promise<FakeAction> {
    if (request.endpoint === 'gettoken') {
      if (request.query.get('corpid') !== CORP_ID) return { errcode: 40013, errmsg: 'invalid corpid' };
      if (request.query.get('corpsecret') !== this.secret) {
        return { errcode: 40001, errmsg: 'invalid credential, hint: [fake-hint], from ip: 127.0.0.1' };
      }
      const token = `TOKEN-${++this.issued}-${Math.random().toString(36).slice(2, 12)}`;
      this.validTokens.add(token);
      this.issuedTokens.push(token);
      const answer = { errcode: 0, errmsg: 'ok', access_token: token, expires_in: this.expiresIn };
      return this.tokenDelayMs > 0 ? { delayMs: this.tokenDelayMs, then: answer } : answer;
    }
    const token = request.query.get('access_token');
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (!this.validTokens.has(token)) return { errcode: 42001, errmsg: 'access_token expired, hint: [fake]' };
    const handler = this.handlers.get(request.endpoint);
    return handler ? handler(request) : { errcode: 0, errmsg: 'ok' };
  }

  private async perform(action: FakeAction, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (action === 'reset') {
      req.socket.destroy();
      return;
    }
    if (action === 'hang') return;
    if ('delayMs' in action && 'then' in action) {
      await new Promise((resolve) => setTimeout(resolve, action.delayMs as number));
      return this.perform(action.then as FakeAction, req, res);
    }
    if (typeof action.status === 'number' && typeof action.body === 'string') {
      res.writeHead(action.status, { 'Content-Type': 'text/plain' }).end(action.body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(action));
  }
}

/** The options of a client talking to `fake`, with short delays so retry specs stay fast. */
export function fakeOptions(
  fake: FakeWeCom,
  overrides: Partial<WeComBatchModuleOptions> = {},
): ResolvedWeComBatchOptions {
  return resolveWeComBatchOptions({
    corpId: CORP_ID,
    corpSecret: CORP_SECRET,
    apiBaseUrl: fake.baseUrl,
    requestTimeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, rateLimitDelayMs: 50 },
    ...overrides,
  });
}

/** A WeComClient built the way the module builds it (the module's own HttpService provider). */
export function createClient(
  options: ResolvedWeComBatchOptions,
  store: WeComBatchStore = new MemoryStore(),
): { client: WeComClient; store: WeComBatchStore } {
  const http = (httpProvider as FactoryProvider<HttpService>).useFactory(options) as HttpService;
  return { client: new WeComClient(options, store, http), store };
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
