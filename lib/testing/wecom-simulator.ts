import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackDeliverer } from './callback-deliverer.js';
import { FaultInjector, type EndpointFault } from './fault-injector.js';
import { readBody, sendJson, sendText } from './http-io.js';
import {
  InvalidImportFile,
  readMemberFile,
  readPartyFile,
  type MemberFileRow,
  type PartyFileRow,
} from './import-file.js';
import { parseMultipart } from './multipart.js';
import { SimulatedCorpDirectory } from './simulated-directory.js';
import {
  resolveSimulatorOptions,
  type ResolvedSimulatorOptions,
  type SimulatedCorpOptions,
  type WeComSimulatorOptions,
} from './simulator.options.js';
import {
  SIMULATOR_ENDPOINTS,
  type CallbackDelivery,
  type SimulatedDirectory,
  type SimulatedInvitation,
  type SimulatedJob,
  type SimulatedPartyResultRow,
  type SimulatedUpload,
  type SimulatedUserResultRow,
  type SimulatorEndpoint,
  type SimulatorRequest,
} from './simulator.types.js';
import { ERRMSG, errmsgFor } from './wecom-errcodes.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

const MB = 1024 * 1024;
/** Upload size limits per media `type` [spec §3]. */
const MEDIA_LIMITS: Readonly<Record<string, number>> = { file: 20 * MB, image: 10 * MB, video: 10 * MB, voice: 2 * MB };
/** Largest upload body read into memory: the 20 MB file plus the multipart framing. */
const UPLOAD_BODY_CAP = 20 * MB + 64 * 1024;
const JSON_BODY_CAP = 2 * MB;
const KEPT_RESULTS = 5;
const JOB_TYPES = {
  'batch/syncuser': 'sync_user',
  'batch/replaceuser': 'replace_user',
  'batch/replaceparty': 'replace_party',
} as const;
type ImportEndpoint = keyof typeof JOB_TYPES;
const GET_ENDPOINTS: ReadonlySet<SimulatorEndpoint> = new Set(['gettoken', 'batch/getresult']);

/** An answer before it is written: HTTP status and JSON body. */
interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface TokenState {
  corpId: string;
  expiresAt: number;
  revoked: boolean;
}

interface JobState {
  view: SimulatedJob;
  memberRows?: MemberFileRow[];
  partyRows?: PartyFileRow[];
  callback?: { url: string; token: string; encodingAESKey: string };
  forcedErrcode?: number;
  timers: NodeJS.Timeout[];
  startedReal: number;
  finished: Promise<void>;
  finish: () => void;
}

interface CorpState {
  options: SimulatedCorpOptions;
  secrets: ReadonlySet<string>;
  tagIds: ReadonlySet<number>;
  directory: SimulatedCorpDirectory;
  tokenFetches: number;
  uploads: Map<string, SimulatedUpload>;
  jobs: JobState[];
  jobsById: Map<string, JobState>;
  running?: JobState;
  invitations: SimulatedInvitation[];
}

/** Options of `failNext()`. */
export interface FailNextOptions {
  /** The errcode to answer with (HTTP 200), e.g. -1, 45009, 45033, 42001, 302005. */
  errcode: number;
  /** The errmsg text before WeCom's hint. Defaults to WeCom's text for the code. */
  errmsg?: string;
  /**
   * How many consecutive requests to fail.
   * @default 1
   */
  times?: number;
}

/** Options of `failNextHttp()`. */
export interface FailNextHttpOptions {
  /** The HTTP status to answer with, e.g. 502 or 503. */
  status: number;
  /**
   * The plain-text body.
   * @default the status's reason phrase
   */
  body?: string;
  /**
   * How many consecutive requests to fail.
   * @default 1
   */
  times?: number;
}

/** Options of `resetNext()`. */
export interface ResetNextOptions {
  /**
   * How many consecutive requests to cut off.
   * @default 1
   */
  times?: number;
  /**
   * Process the request first (a job IS created, a token IS issued…) and only then destroy the connection
   * instead of answering: the ambiguous failure after which a client must not blindly re-post a submission.
   * @default false (the connection dies before anything happens)
   */
  afterProcessing?: boolean;
}

/**
 * A local, in-memory WeCom (企业微信) for tests: `gettoken`, `media/upload`, `batch/syncuser`,
 * `batch/replaceuser`, `batch/replaceparty`, `batch/getresult` and `batch/invite` with WeCom's request and
 * answer shapes and errcodes, import jobs applied to a simulated directory by WeCom's rules, encrypted
 * `batch_job_result` callbacks retried like WeCom, fault injection and inspection.
 *
 * ```ts
 * const sim = await WeComSimulator.start({ corps: [{ corpId: 'wwcorp', corpSecret: 'secret' }] });
 * // point WeComBatchModule's apiBaseUrl at sim.baseUrl …
 * await sim.close();
 * ```
 *
 * Behaviour WeCom leaves undocumented is decided as follows (see also `WeComSimulatorOptions`):
 * - a file-level problem (not UTF-8, not CSV, no data rows, a required column missing) is answered 40092
 *   by the submission itself; a file that is readable but invalid as a whole (duplicate userid 302003,
 *   invalid tree 302004, duplicate partyid 302006, sibling name clash 302007) is accepted and the job
 *   finishes with that job-level `ErrCode`, nothing applied and every result row carrying the code;
 * - an empty cell leaves the field unchanged in syncuser and clears it in replaceuser (the file wins);
 * - department deletions do not appear in replaceparty results;
 * - each `gettoken` issues a new token; earlier ones stay valid until they expire.
 */
export class WeComSimulator {
  private readonly corps = new Map<string, CorpState>();
  private readonly tokens = new Map<string, TokenState>();
  private readonly faults = new FaultInjector();
  private readonly deliverer: CallbackDeliverer;
  private readonly log: SimulatorRequest[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  private clockOffset = 0;
  private closed = false;
  private url = '';

  private constructor(
    private readonly options: ResolvedSimulatorOptions,
    private readonly server: Server,
  ) {
    this.deliverer = new CallbackDeliverer({
      timeoutMs: options.callbackTimeoutMs,
      retries: options.callbackRetries,
      retryDelayMs: options.callbackRetryDelayMs,
      clock: () => this.now(),
    });
    for (const corp of options.corps) {
      this.corps.set(corp.corpId, {
        options: corp,
        secrets: new Set(Array.isArray(corp.corpSecret) ? corp.corpSecret : [corp.corpSecret]),
        tagIds: new Set(corp.tagIds ?? []),
        directory: new SimulatedCorpDirectory(
          corp.corpId,
          corp.creator,
          new Set(corp.extAttrs ?? []),
          corp.departments ?? [],
          corp.users ?? [],
        ),
        tokenFetches: 0,
        uploads: new Map(),
        jobs: [],
        jobsById: new Map(),
        invitations: [],
      });
    }
  }

  /**
   * Starts a simulator listening on 127.0.0.1. Throws a `WeComSimulatorError` listing every problem of
   * invalid options.
   */
  static async start(options: WeComSimulatorOptions): Promise<WeComSimulator> {
    const { resolved, problems } = resolveSimulatorOptions(options);
    if (problems.length) throw new WeComSimulatorError('Invalid WeComSimulator options', problems);
    const server = createServer();
    const simulator = new WeComSimulator(resolved, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      simulator.handle(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { errcode: -1, errmsg: 'system error' });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, '127.0.0.1', () => resolve());
    });
    simulator.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return simulator;
  }

  /** Base URL to use as the module's `apiBaseUrl`, e.g. `http://127.0.0.1:40123` (endpoints under `/cgi-bin/`). */
  get baseUrl(): string {
    return this.url;
  }

  /**
   * Stops listening, drops open connections, stops running jobs and aborts callback deliveries in flight:
   * nothing the simulator started keeps the process alive afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const corp of this.corps.values()) {
      for (const job of corp.jobs) {
        job.timers.forEach(clearTimeout);
        // Unfinished jobs stay unfinished, but nobody waiting in settled() should hang on them.
        job.finish();
      }
    }
    for (const [timer, resume] of this.delays) {
      clearTimeout(timer);
      resume();
    }
    this.delays.clear();
    this.deliverer.close();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closing;
  }

  // ───────────────────────────── inspection ─────────────────────────────

  /** Simulated time now (ms since epoch): the clock plus `advanceTime()`s. */
  now(): number {
    return this.options.clock() + this.clockOffset;
  }

  /** Moves simulated time forward, e.g. `advanceTime(3 * 24 * 3600_000)` to expire media ids. */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  /** The corp's departments and members now (a copy). `corpId` defaults to the first corp. */
  directory(corpId?: string): SimulatedDirectory {
    return this.corp(corpId).directory.snapshot();
  }

  /** The corp's import jobs, oldest first (copies). */
  jobs(corpId?: string): SimulatedJob[] {
    const corp = this.corp(corpId);
    return corp.jobs.map((job) => this.jobView(corp, job));
  }

  /** The corp's uploaded media, oldest first, with their bytes. */
  uploads(corpId?: string): SimulatedUpload[] {
    return [...this.corp(corpId).uploads.values()].map((u) => ({ ...u, bytes: Buffer.from(u.bytes) }));
  }

  /** How many access tokens `gettoken` issued for the corp (to assert single-flight refreshes). */
  tokenFetches(corpId?: string): number {
    return this.corp(corpId).tokenFetches;
  }

  /** The corp's successful `batch/invite` calls. */
  invitations(corpId?: string): SimulatedInvitation[] {
    return this.corp(corpId).invitations.map((i) => structuredClone(i));
  }

  /** Every callback attempt so far (all corps), oldest first; only those of `jobId` when given. */
  deliveries(jobId?: string): CallbackDelivery[] {
    const all = this.deliverer.deliveries();
    return jobId === undefined ? all : all.filter((d) => d.jobId === jobId);
  }

  /** Every request received, oldest first; only those of `endpoint` when given. Secrets appear as `'***'`. */
  requests(endpoint?: SimulatorEndpoint): SimulatorRequest[] {
    const all = this.log.map((r) => structuredClone(r));
    return endpoint === undefined ? all : all.filter((r) => r.endpoint === endpoint);
  }

  /**
   * Resolves once every scheduled job has finished and every callback delivery has ended (jobs held by
   * `jobDelayMs: Infinity` are not waited for).
   */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await this.deliverer.idle();
  }

  /** Finishes the running jobs now (of one corp, or all), e.g. with `jobDelayMs: Infinity`. */
  completeJobs(corpId?: string): void {
    const corps = corpId === undefined ? [...this.corps.values()] : [this.corp(corpId)];
    for (const corp of corps) if (corp.running) this.finishJob(corp, corp.running);
  }

  // ───────────────────────────── faults ─────────────────────────────

  /**
   * The next `times` requests of `endpoint` are answered with `errcode` (HTTP 200) and not processed.
   * Faults of one endpoint queue up and are consumed in order.
   */
  failNext(endpoint: SimulatorEndpoint, options: FailNextOptions): void {
    if (!Number.isInteger(options?.errcode) || options.errcode === 0) {
      throw new WeComSimulatorError('failNext: errcode must be a non-zero integer');
    }
    this.queue(endpoint, { kind: 'errcode', errcode: options.errcode, errmsg: options.errmsg }, options.times);
  }

  /** The next `times` requests of `endpoint` get HTTP `status` with a plain-text body, unprocessed. */
  failNextHttp(endpoint: SimulatorEndpoint, options: FailNextHttpOptions): void {
    if (!Number.isInteger(options?.status) || options.status < 200 || options.status > 599 || options.status === 200) {
      throw new WeComSimulatorError('failNextHttp: status must be an HTTP status other than 200');
    }
    const body = options.body ?? `${options.status}`;
    this.queue(endpoint, { kind: 'http', status: options.status, body }, options.times);
  }

  /** The next `times` requests of `endpoint` have their connection destroyed instead of an answer. */
  resetNext(endpoint: SimulatorEndpoint, options: ResetNextOptions = {}): void {
    this.queue(endpoint, { kind: 'reset', afterProcessing: options.afterProcessing === true }, options.times);
  }

  /** The next `times` requests of `endpoint` are processed at once but answered `ms` later. */
  delayNext(endpoint: SimulatorEndpoint, ms: number, times = 1): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new WeComSimulatorError('delayNext: ms must be a number ≥ 0');
    this.queue(endpoint, { kind: 'delay', ms }, times);
  }

  /** The next `times` finished jobs send no callback at all (their `callbackState` is `dropped`). */
  dropNextCallback(times = 1): void {
    this.faults.dropCallbacks(this.count('dropNextCallback', times));
  }

  /**
   * The next job's callback is sent `copies` more times after its delivery, each freshly encrypted with a
   * new timestamp and nonce — as WeCom re-sends when it thinks a delivery failed.
   */
  duplicateNextCallback(copies = 1): void {
    this.faults.duplicateCallback(this.count('duplicateNextCallback', copies));
  }

  /**
   * The next `times` submitted jobs finish with job-level `ErrCode` `errcode` (e.g. 302005 system
   * failure) and change nothing; every result row carries the code.
   */
  failNextJob(errcode = 302005, times = 1): void {
    if (!Number.isInteger(errcode) || errcode === 0) {
      throw new WeComSimulatorError('failNextJob: errcode must be a non-zero integer');
    }
    this.faults.failJobs(errcode, this.count('failNextJob', times));
  }

  /** Expires every token issued so far (of one corp, or all): their next use answers 42001. */
  expireTokens(corpId?: string): void {
    for (const token of this.tokens.values()) {
      if (corpId === undefined || token.corpId === this.corp(corpId).options.corpId) token.expiresAt = this.now();
    }
  }

  /** Invalidates every token issued so far (of one corp, or all), as WeCom may do early: 40014 on next use. */
  revokeTokens(corpId?: string): void {
    for (const token of this.tokens.values()) {
      if (corpId === undefined || token.corpId === this.corp(corpId).options.corpId) token.revoked = true;
    }
  }

  /** Forgets every pending fault (endpoint, callback and job faults). */
  clearFaults(): void {
    this.faults.clear();
  }

  private queue(endpoint: SimulatorEndpoint, fault: DistributiveOmit<EndpointFault, 'remaining'>, times = 1): void {
    if (!SIMULATOR_ENDPOINTS.includes(endpoint)) {
      throw new WeComSimulatorError(`Unknown endpoint ${String(endpoint)}; one of: ${SIMULATOR_ENDPOINTS.join(', ')}`);
    }
    this.faults.add(endpoint, { ...fault, remaining: this.count('times', times) } as EndpointFault);
  }

  private count(name: string, value: number): number {
    if (!Number.isInteger(value) || value < 1) throw new WeComSimulatorError(`${name}: must be an integer ≥ 1`);
    return value;
  }

  private corp(corpId?: string): CorpState {
    const corp = corpId === undefined ? this.corps.values().next().value : this.corps.get(corpId);
    if (!corp)
      throw new WeComSimulatorError(
        `Unknown corp ${String(corpId)}; the simulator hosts ${[...this.corps.keys()].join(', ')}`,
      );
    return corp;
  }

  // ───────────────────────────── HTTP ─────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const name = path.startsWith('/cgi-bin/') ? path.slice('/cgi-bin/'.length) : '';
    const endpoint = SIMULATOR_ENDPOINTS.find((e) => e === name);
    const query = Object.fromEntries(url.searchParams);
    const entry: SimulatorRequest = {
      at: this.now(),
      method: req.method ?? 'GET',
      endpoint,
      path,
      query: redactQuery(query),
    };
    this.log.push(entry);
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const fail = (errcode: number, detail?: string, status = 200): Answer => ({
      status,
      body: { errcode, errmsg: errmsgFor(errcode, ip, detail, this.now()) },
    });
    const body = await readBody(req, endpoint === 'media/upload' ? UPLOAD_BODY_CAP : JSON_BODY_CAP);

    let answer: Answer;
    let fault: EndpointFault | undefined;
    if (!endpoint) {
      answer = fail(48001, `api forbidden: unknown api ${path}`, 404);
    } else if ((req.method === 'GET') !== GET_ENDPOINTS.has(endpoint)) {
      answer = fail(
        40063,
        `${req.method} is not supported by ${endpoint}; use ${GET_ENDPOINTS.has(endpoint) ? 'GET' : 'POST'}`,
      );
    } else {
      fault = this.faults.take(endpoint);
      if (fault) entry.fault = fault.kind === 'errcode' ? 'errcode' : fault.kind;
      if (fault?.kind === 'reset' && !fault.afterProcessing) {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'http') {
        entry.status = fault.status;
        sendText(res, fault.status, fault.body);
        return;
      }
      if (fault?.kind === 'errcode') answer = fail(fault.errcode, fault.errmsg);
      else answer = this.process(endpoint, query, req.headers['content-type'], body, entry, fail);
    }

    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await this.delay(fault.ms);
    entry.status = answer.status;
    entry.errcode = typeof answer.body.errcode === 'number' ? answer.body.errcode : undefined;
    if (!res.destroyed) sendJson(res, answer.status, answer.body);
  }

  private process(
    endpoint: SimulatorEndpoint,
    query: Record<string, string>,
    contentType: string | undefined,
    body: { bytes?: Buffer; size: number },
    entry: SimulatorRequest,
    fail: (errcode: number, detail?: string) => Answer,
  ): Answer {
    if (endpoint === 'gettoken') return this.getToken(query, entry, fail);

    // access_token is only ever read from the query string, as WeCom does.
    const token = query.access_token;
    if (!token) return fail(41001);
    const state = this.tokens.get(token);
    if (!state || state.revoked) return fail(40014);
    if (this.now() >= state.expiresAt) return fail(42001);
    const corp = this.corps.get(state.corpId) as CorpState;
    entry.corpId = corp.options.corpId;

    if (endpoint === 'media/upload') return this.upload(corp, query, contentType, body, fail);
    if (endpoint === 'batch/getresult') return this.getResult(corp, query, fail);

    if (!body.bytes) return fail(40058, 'request body too large');
    let json: unknown;
    try {
      json = body.bytes.length === 0 ? {} : JSON.parse(body.bytes.toString('utf8'));
    } catch {
      return fail(40058, 'Warning: wrong json format.');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return fail(40058, 'Warning: wrong json format.');
    }
    entry.body = redactBody(json as Record<string, unknown>);
    if (endpoint === 'batch/invite') return this.invite(corp, json as Record<string, unknown>, fail);
    return this.submit(corp, endpoint, json as Record<string, unknown>, fail);
  }

  private getToken(query: Record<string, string>, entry: SimulatorRequest, fail: (errcode: number) => Answer): Answer {
    if (!query.corpid) return fail(41002);
    if (!query.corpsecret) return fail(41004);
    const corp = this.corps.get(query.corpid);
    if (!corp) return fail(40013);
    entry.corpId = corp.options.corpId;
    if (!corp.secrets.has(query.corpsecret)) return fail(40001);
    const accessToken = randomBytes(96).toString('base64url');
    this.tokens.set(accessToken, {
      corpId: corp.options.corpId,
      expiresAt: this.now() + this.options.tokenTtlSeconds * 1000,
      revoked: false,
    });
    corp.tokenFetches += 1;
    return {
      status: 200,
      body: { errcode: 0, errmsg: 'ok', access_token: accessToken, expires_in: this.options.tokenTtlSeconds },
    };
  }

  private upload(
    corp: CorpState,
    query: Record<string, string>,
    contentType: string | undefined,
    body: { bytes?: Buffer; size: number },
    fail: (errcode: number, detail?: string) => Answer,
  ): Answer {
    const type = query.type;
    const limit = type === undefined ? undefined : MEDIA_LIMITS[type];
    if (limit === undefined) return fail(40005, 'invalid media type: type must be image, voice, video or file');
    if (!body.bytes) return fail(45001, `media size out of limit: the ${type} limit is ${limit} bytes`);
    if (body.bytes.length === 0) return fail(44001);
    const parts = parseMultipart(contentType, body.bytes);
    if (!parts) return fail(44001, 'empty media data: the body is not multipart/form-data');
    const media =
      parts.find((p) => p.name === 'media' && p.filename !== undefined) ?? parts.find((p) => p.name === 'media');
    if (!media) return fail(41005, 'media data missing: no multipart field named "media"');
    if (media.data.length <= 5) return fail(40006, 'invalid file size: a file must be larger than 5 bytes');
    if (media.data.length > limit) return fail(45001, `media size out of limit: the ${type} limit is ${limit} bytes`);

    const mediaId = `3${randomBytes(42).toString('base64url')}`;
    const createdAt = this.now();
    corp.uploads.set(mediaId, {
      mediaId,
      type,
      filename: media.filename,
      contentType: media.contentType,
      bytes: Buffer.from(media.data),
      createdAt,
      expiresAt: createdAt + this.options.mediaTtlMs,
    });
    return {
      status: 200,
      body: { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: String(Math.floor(createdAt / 1000)) },
    };
  }

  private submit(
    corp: CorpState,
    endpoint: ImportEndpoint,
    json: Record<string, unknown>,
    fail: (errcode: number, detail?: string) => Answer,
  ): Answer {
    const type = JOB_TYPES[endpoint];
    const mediaId = json.media_id;
    if (mediaId === undefined || mediaId === '') return fail(41006);
    if (typeof mediaId !== 'string') return fail(40058, 'Warning: wrong json format. media_id must be a string');
    const upload = corp.uploads.get(mediaId);
    if (!upload || this.now() >= upload.expiresAt) return fail(40007, 'invalid media_id: unknown or expired (3 days)');

    let toInvite: boolean | undefined;
    if (type !== 'replace_party') {
      // `to_invite` defaults to true; replaceparty has none (a stray one is ignored).
      if (json.to_invite !== undefined && typeof json.to_invite !== 'boolean') {
        return fail(40058, 'Warning: wrong json format. to_invite must be a boolean');
      }
      toInvite = json.to_invite !== false;
    }

    // Only the documented singular `callback` counts; a `callbacks` key (a known SDK bug) is ignored.
    let callback: JobState['callback'];
    if (json.callback !== undefined) {
      const cb = json.callback as Record<string, unknown> | null;
      const url = typeof cb?.url === 'string' ? cb.url : '';
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        return fail(40057, 'invalid callback url: http or https required');
      }
      if (typeof cb?.token !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(cb.token)) {
        return fail(40057, 'invalid callback token: 1-32 letters or digits');
      }
      if (typeof cb?.encodingaeskey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(cb.encodingaeskey)) {
        return fail(40057, 'invalid callback encodingaeskey: 43 letters or digits');
      }
      callback = { url, token: cb.token, encodingAESKey: cb.encodingaeskey };
    }

    if (corp.running) return fail(302008);

    const rows = type === 'replace_party' ? readPartyFile(upload.bytes) : readMemberFile(upload.bytes);
    if (rows instanceof InvalidImportFile) return fail(40092, `import file contains invalid content: ${rows.reason}`);
    if (
      type === 'replace_user' &&
      this.options.deletionGuard === 'submit' &&
      corp.directory.checkMemberFile(rows as MemberFileRow[]) === 0 &&
      corp.directory.triggersDeletionGuard(rows as MemberFileRow[])
    ) {
      return fail(45026);
    }

    const jobId = randomBytes(32).toString('base64url');
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const job: JobState = {
      view: {
        jobId,
        corpId: corp.options.corpId,
        type,
        status: 1,
        percentage: 0,
        total: rows.length,
        errCode: 0,
        errMsg: 'ok',
        mediaId,
        toInvite,
        callbackUrl: callback?.url,
        callbackState: callback ? 'waiting' : 'none',
        result: [],
        resultAvailable: true,
        submittedAt: this.now(),
      },
      memberRows: type === 'replace_party' ? undefined : (rows as MemberFileRow[]),
      partyRows: type === 'replace_party' ? (rows as PartyFileRow[]) : undefined,
      callback,
      forcedErrcode: this.faults.takeJobFailure(),
      timers: [],
      startedReal: performance.now(),
      finished,
      finish,
    };
    corp.jobs.push(job);
    corp.jobsById.set(jobId, job);
    corp.running = job;
    const delay = this.options.jobDelayMs;
    if (Number.isFinite(delay)) {
      job.timers.push(
        setTimeout(() => {
          if (job.view.status === 1) job.view.status = 2;
        }, delay / 2),
        setTimeout(() => this.finishJob(corp, job), delay),
      );
      this.track(finished);
    }
    return { status: 200, body: { errcode: 0, errmsg: 'ok', jobid: jobId } };
  }

  private finishJob(corp: CorpState, job: JobState): void {
    if (job.view.status === 3) return;
    job.timers.forEach(clearTimeout);
    const directory = corp.directory;
    let errCode = job.forcedErrcode ?? 0;
    let result: Array<SimulatedUserResultRow | SimulatedPartyResultRow>;
    if (job.partyRows) {
      errCode ||= directory.checkPartyFile(job.partyRows);
      result = errCode
        ? job.partyRows.map((r) => ({
            action: 0,
            partyid: Number(r.id) || 0,
            errcode: errCode,
            errmsg: ERRMSG[errCode] ?? 'error',
          }))
        : directory.applyParties(job.partyRows);
    } else {
      const rows = job.memberRows as MemberFileRow[];
      errCode ||= directory.checkMemberFile(rows);
      if (!errCode && job.view.type === 'replace_user' && directory.triggersDeletionGuard(rows)) errCode = 45026;
      result = errCode
        ? rows.map((r) => ({ userid: r.cells.userid ?? '', errcode: errCode, errmsg: ERRMSG[errCode] ?? 'error' }))
        : directory.applyMembers(job.view.type === 'replace_user' ? 'replace' : 'sync', rows);
    }
    Object.assign(job.view, {
      status: 3,
      percentage: 100,
      errCode,
      errMsg: ERRMSG[errCode] ?? 'error',
      result,
      finishedAt: this.now(),
    });
    if (corp.running === job) corp.running = undefined;
    job.finish();

    const callback = job.callback;
    if (!callback || this.closed) return;
    if (this.faults.takeCallbackDrop()) {
      job.view.callbackState = 'dropped';
      return;
    }
    job.view.callbackState = 'delivering';
    const delivery = this.deliverer
      .deliver(
        {
          jobId: job.view.jobId,
          corpId: corp.options.corpId,
          jobType: job.view.type,
          errCode,
          errMsg: job.view.errMsg,
          callback,
        },
        this.faults.takeCallbackDuplicates(),
      )
      .then((ok) => {
        job.view.callbackState = ok ? 'delivered' : 'failed';
      });
    this.track(delivery);
  }

  private getResult(
    corp: CorpState,
    query: Record<string, string>,
    fail: (errcode: number, detail?: string) => Answer,
  ): Answer {
    const jobId = query.jobid;
    if (!jobId) return fail(40063, 'some parameters are empty: jobid');
    const job = corp.jobsById.get(jobId);
    if (!job) return fail(40088);
    if (!this.resultAvailable(corp, job)) return fail(40089, 'job result expired: only the last 5 jobs are kept');
    const view = this.jobView(corp, job);
    return {
      status: 200,
      body: {
        errcode: 0,
        errmsg: 'ok',
        status: view.status,
        type: view.type,
        total: view.total,
        percentage: view.percentage,
        result: view.status === 3 ? view.result : [],
      },
    };
  }

  private invite(
    corp: CorpState,
    json: Record<string, unknown>,
    fail: (errcode: number, detail?: string) => Answer,
  ): Answer {
    const list = (key: string): unknown[] | false => {
      const value = json[key];
      if (value === undefined || value === null) return [];
      return Array.isArray(value) ? value : false;
    };
    const users = list('user');
    const parties = list('party');
    const tags = list('tag');
    if (users === false || parties === false || tags === false) {
      return fail(40058, 'Warning: wrong json format. user, party and tag must be arrays');
    }
    if (users.length === 0 && parties.length === 0 && tags.length === 0) {
      return fail(40063, 'some parameters are empty: user, party and tag cannot all be empty');
    }
    if (users.length > 1000) return fail(40058, 'invalid parameter: at most 1000 users');
    if (parties.length > 100) return fail(40058, 'invalid parameter: at most 100 parties');
    if (tags.length > 100) return fail(40058, 'invalid parameter: at most 100 tags');

    const invalidUser = users.filter((u) => typeof u !== 'string' || !corp.directory.hasMember(u));
    const invalidParty = parties.filter(
      (p) => !Number.isInteger(Number(p)) || !corp.directory.hasDepartment(Number(p)),
    );
    const invalidTag = tags.filter((t) => !Number.isInteger(Number(t)) || !corp.tagIds.has(Number(t)));
    corp.invitations.push({
      at: this.now(),
      users: users.filter((u) => !invalidUser.includes(u)).map(String),
      parties: parties.filter((p) => !invalidParty.includes(p)).map(Number),
      tags: tags.filter((t) => !invalidTag.includes(t)).map(Number),
    });
    // Like WeCom, the invalid lists are only present when something was invalid.
    const body: Record<string, unknown> = { errcode: 0, errmsg: 'ok' };
    if (invalidUser.length) body.invaliduser = invalidUser;
    if (invalidParty.length) body.invalidparty = invalidParty;
    if (invalidTag.length) body.invalidtag = invalidTag;
    return { status: 200, body };
  }

  private jobView(corp: CorpState, job: JobState): SimulatedJob {
    const view = structuredClone(job.view);
    view.resultAvailable = this.resultAvailable(corp, job);
    if (view.status === 2 && Number.isFinite(this.options.jobDelayMs)) {
      const elapsed = performance.now() - job.startedReal;
      view.percentage = Math.min(99, Math.max(1, Math.floor((elapsed / this.options.jobDelayMs) * 100)));
    }
    return view;
  }

  private resultAvailable(corp: CorpState, job: JobState): boolean {
    return corp.jobs.indexOf(job) >= corp.jobs.length - KEPT_RESULTS;
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
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

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function redactQuery(query: Record<string, string>): Record<string, string> {
  const copy = { ...query };
  for (const key of ['access_token', 'corpsecret']) if (key in copy) copy[key] = '***';
  return copy;
}

function redactBody(body: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(body);
  for (const key of ['callback', 'callbacks']) {
    const cb = copy[key];
    if (cb && typeof cb === 'object') {
      for (const secret of ['token', 'encodingaeskey']) {
        if (secret in cb) (cb as Record<string, unknown>)[secret] = '***';
      }
    }
  }
  return copy;
}
