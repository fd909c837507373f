import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPORT_FILE_PREFIX, type ExportDownloads } from './export-download.handler.js';
import type { EndpointFault, FaultInjector } from './fault-injector.service.js';
import { readBody, sendJson, sendJsonStream, sendText } from './http-io.util.js';
import { UPLOAD_BODY_CAP } from './media.handler.js';
import { copyRaw, type RequestLog } from './request-log.store.js';
import { errmsgFor } from './simulator-errcodes.js';
import type { SimulatorAnswer } from './simulator-faults.types.js';
import type { SimulatorRouter } from './simulator.router.js';
import type { Answer } from './simulator-state.types.js';
import { SIMULATOR_ENDPOINTS, type RawSimulatorRequest, type SimulatorEndpoint } from './simulator.types.js';

const JSON_BODY_CAP = 2 * 1024 * 1024;
const GET_ENDPOINTS: ReadonlySet<SimulatorEndpoint> = new Set([
  'gettoken',
  'batch/getresult',
  'export/get_result',
  'department/simplelist',
  'department/list',
  'user/get',
  'export-file',
]);

/**
 * The simulator's HTTP side on 127.0.0.1: records each request, checks path and method, applies the next
 * queued fault of the endpoint (an errcode, an HTTP error, a reset, a hang, a delay, a slow body, a scripted
 * answer) and otherwise writes what the router answers.
 */
export class SimulatorServer {
  private readonly server: Server = createServer();
  /** Pending answer delays, resolved early by `close()` so nothing keeps the process alive. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private url = '';

  constructor(
    private readonly router: SimulatorRouter,
    private readonly faults: FaultInjector,
    private readonly log: RequestLog,
    private readonly now: () => number,
    private readonly downloads: ExportDownloads,
  ) {
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { errcode: -1, errmsg: 'system error' });
        else res.destroy();
      });
    });
  }

  /** `http://127.0.0.1:<port>` once listening. */
  get baseUrl(): string {
    return this.url;
  }

  /** Listens on 127.0.0.1:`port` (0: a free port). */
  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops listening, ends pending delays and drops open connections (hung requests included). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, resume] of this.delays) {
      clearTimeout(timer);
      resume();
    }
    this.delays.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const name = path.startsWith('/cgi-bin/') ? path.slice('/cgi-bin/'.length) : '';
    const isFile = path.startsWith(EXPORT_FILE_PREFIX);
    const endpoint = isFile ? 'export-file' : SIMULATOR_ENDPOINTS.find((e) => e === name && e !== 'export-file');
    const query = Object.fromEntries(url.searchParams);
    const entry = this.log.add({
      at: this.now(),
      method: req.method ?? 'GET',
      endpoint,
      path,
      query,
      remotePort: req.socket.remotePort,
      url: req.url ?? '/',
      headers: { ...req.headers },
      bodyBytes: Buffer.alloc(0),
      accessToken: query.access_token,
    });
    const body = await readBody(req, endpoint === 'media/upload' ? UPLOAD_BODY_CAP : JSON_BODY_CAP);
    if (body.bytes) entry.bodyBytes = body.bytes;
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const fail = (errcode: number, detail?: string, status = 200): Answer => ({
      status,
      body: { errcode, errmsg: errmsgFor(errcode, ip, detail, this.now()) },
    });

    if (!endpoint && !this.router.hasResponder(name)) {
      return this.write(res, entry, fail(48001, `api forbidden: unknown api ${path}`, 404));
    }
    if (endpoint && (req.method === 'GET') !== GET_ENDPOINTS.has(endpoint)) {
      const expected = GET_ENDPOINTS.has(endpoint) ? 'GET' : 'POST';
      return this.write(res, entry, fail(40063, `${req.method} is not supported by ${endpoint}; use ${expected}`));
    }
    const fault = endpoint ? this.faults.take(endpoint) : undefined;
    if (fault) entry.fault = fault.kind;
    const before = fault && (await this.unprocessed(fault, req, res, entry, fail));
    if (before === 'done') return;
    if (isFile && !before) {
      // The file server: no access_token; answers bytes, not JSON (a reset/hang/delay fault still applies first).
      if (fault?.kind === 'reset') return void req.socket.destroy();
      if (fault?.kind === 'hang') return;
      if (fault?.kind === 'delay') await this.delay(fault.ms);
      return this.downloads.serve(req, res, path, entry);
    }
    const answer =
      before ?? (await this.router.route(name, { query, contentType: req.headers['content-type'], body, entry, fail }));
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'delay') await this.delay(fault.ms);
    await this.write(res, entry, answer, fault?.kind === 'slowBody' ? fault.ms : 0);
  }

  /**
   * Applies a fault that acts before (instead of) processing: `'done'` when the request is finished with,
   * an answer to write when the fault replaces processing, undefined when processing goes ahead.
   */
  private async unprocessed(
    fault: EndpointFault,
    req: IncomingMessage,
    res: ServerResponse,
    entry: RawSimulatorRequest,
    fail: (errcode: number, detail?: string) => Answer,
  ): Promise<'done' | SimulatorAnswer | undefined> {
    switch (fault.kind) {
      case 'reset':
        if (fault.afterProcessing) return undefined;
        req.socket.destroy();
        return 'done';
      case 'hang':
        // Read and never answered: the connection stays open until the client gives up or close().
        return fault.afterProcessing ? undefined : 'done';
      case 'http':
        entry.status = fault.status;
        sendText(res, fault.status, fault.body);
        return 'done';
      case 'errcode':
        return fail(fault.errcode, fault.errmsg);
      case 'answer':
        return typeof fault.answer === 'function' ? fault.answer(copyRaw(entry)) : fault.answer;
      default:
        return undefined;
    }
  }

  private async write(
    res: ServerResponse,
    entry: RawSimulatorRequest,
    answer: SimulatorAnswer & { stream?: AsyncIterable<string> },
    trickleMs = 0,
  ): Promise<void> {
    if (answer.delayMs) await this.delay(answer.delayMs);
    const status = answer.status ?? 200;
    entry.status = status;
    if (typeof answer.body === 'string') {
      if (!res.destroyed) sendText(res, status, answer.body);
      return;
    }
    entry.errcode = typeof answer.body.errcode === 'number' ? answer.body.errcode : undefined;
    if (res.destroyed) return;
    if (answer.stream) await sendJsonStream(res, status, answer.stream);
    else sendJson(res, status, answer.body, trickleMs);
  }

  private delay(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolve();
      }, ms);
      this.delays.set(timer, resolve);
    });
  }
}
