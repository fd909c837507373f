import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { WeComApiError } from '../errors/wecom-api.error.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import {
  WECOM_BATCH_HTTP,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_STORE,
} from '../wecom-batch.internal-constants.js';
import { AccessTokenManager, type FetchedToken } from './access-token.manager.js';
import { exchange, type ExchangeRequest } from './http-exchange.js';
import { Redactor } from './redactor.js';
import { RetryPolicy, sleep } from './retry-policy.js';
import { TOKEN_REJECTED_ERRCODES } from './wecom-errcodes.js';

/** Per-call options of {@link WeComClient}. */
export interface WeComRequestOptions {
  /**
   * Whether sending the request twice is harmless. Pass `false` for job submissions (`batch/syncuser`,
   * `batch/replaceuser`, `batch/replaceparty`): a request that may have reached WeCom (timeout or reset
   * after it was sent) is then never re-sent; the error has `maybeDelivered: true` and the caller
   * reconciles. Failures that prove WeCom did nothing (an errcode answer such as -1 or 45009, a refused
   * connection) are still retried.
   * @default true
   */
  idempotent?: boolean;
  /** Aborts the call, including a pending backoff or token refresh wait. */
  signal?: AbortSignal;
}

/** Query parameters of a GET; `undefined` values are left out. */
export type WeComQuery = Record<string, string | number | undefined>;

/** Result of {@link WeComClient.uploadMedia}. */
export interface WeComUploadedMedia {
  /** The `media_id`, valid for 3 days. */
  mediaId: string;
  /** Upload time as WeCom reports it, in epoch seconds (WeCom sends a string or a number; this is a number). */
  createdAt: number;
}

/** WeCom takes files up to 20 MB (`type=file`). */
export const MAX_MEDIA_FILE_BYTES = 20 * 1024 * 1024;
/** WeCom refuses files of 5 bytes or less. */
export const MIN_MEDIA_FILE_BYTES = 6;

const ENDPOINT_PATTERN = /^[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*$/;

/**
 * The module's WeCom API client: `https://…/cgi-bin/<endpoint>?access_token=…` with the token managed for
 * you (cached in the store, refreshed ahead of expiry, single flight across instances, refused tokens
 * replaced once), transient failures retried with capped, jittered backoff, and every failure turned into
 * a {@link WeComApiError} that contains neither the token nor the secret.
 *
 * Not retried by this layer: 302008 (another import is running — the BatchService queue waits for the
 * running job) and every other business errcode, which comes back as `kind: 'api'`, `retryable: false`.
 */
@Injectable()
export class WeComClient implements OnModuleDestroy {
  private readonly logger = new Logger(WeComClient.name);
  private readonly redactor: Redactor;
  private readonly tokens: AccessTokenManager;
  private readonly retry: RetryPolicy;
  /** No keep-alive: each job submission gets a connection of its own (see `ExchangeRequest.freshConnection`). */
  /** Aborted on shutdown: in-flight calls and their pending retries stop instead of outliving the app. */
  private readonly closing = new AbortController();
  private readonly freshConnection = {
    http: new HttpAgent({ keepAlive: false }),
    https: new HttpsAgent({ keepAlive: false }),
  };

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) store: WeComBatchStore,
    @Inject(WECOM_BATCH_HTTP) private readonly http: HttpService,
  ) {
    // Every call in flight listens on the shutdown signal: hundreds at once are normal, not a leak.
    setMaxListeners(0, this.closing.signal);
    this.redactor = new Redactor(options.corpSecret);
    this.retry = new RetryPolicy(options.retry);
    this.tokens = new AccessTokenManager({
      options,
      store,
      redactor: this.redactor,
      fetchToken: () => this.fetchToken(),
    });
  }

  /**
   * Aborts calls still in flight (no request or retry to WeCom after the app closed) and closes the idle
   * keep-alive connections, so the app shuts down without waiting for them.
   */
  onModuleDestroy(): void {
    this.closing.abort();
    const defaults = this.http.axiosRef.defaults;
    for (const agent of [defaults.httpAgent, defaults.httpsAgent]) {
      if (agent instanceof HttpAgent || agent instanceof HttpsAgent) agent.destroy();
    }
  }

  /**
   * `GET /cgi-bin/<endpoint>?access_token=…&<query>`. Resolves WeCom's parsed JSON when `errcode` is absent
   * or 0; rejects with a `WeComApiError` otherwise.
   * @param endpoint path relative to `/cgi-bin/`, e.g. `batch/getresult`
   */
  get<T extends object>(endpoint: string, query?: WeComQuery, options?: WeComRequestOptions): Promise<T> {
    return this.call<T>('GET', endpoint, options, (base) => ({ ...base, query: withQuery(base.query, query) }));
  }

  /**
   * `POST /cgi-bin/<endpoint>?access_token=…` with a JSON body. Pass `{ idempotent: false }` for job
   * submissions. The body is never logged (submission bodies carry the callback token and AES key).
   * @param endpoint path relative to `/cgi-bin/`, e.g. `batch/syncuser`
   */
  post<T extends object>(endpoint: string, body: object, options?: WeComRequestOptions): Promise<T> {
    return this.call<T>('POST', endpoint, options, (base) => ({ ...base, body }));
  }

  /**
   * Uploads a temporary file (`media/upload?type=file`, multipart field `media` with the filename): the
   * CSV of an import. Files over 20 MB or of 5 bytes or less are refused before anything is sent.
   * Retried like a GET: a duplicate upload only creates an unused media_id.
   */
  async uploadMedia(
    file: Buffer,
    filename: string,
    options?: Pick<WeComRequestOptions, 'signal'>,
  ): Promise<WeComUploadedMedia> {
    const endpoint = 'media/upload';
    checkMedia(file, filename, endpoint);
    const blob = new Blob([file], { type: contentTypeOf(filename) });
    const answer = await this.call<Record<string, unknown>>('POST', endpoint, options, (base) => {
      const form = new FormData();
      form.append('media', blob, filename);
      return { ...base, query: withQuery(base.query, { type: 'file' }), form };
    });
    const mediaId = answer.media_id;
    const createdAt = Number(answer.created_at);
    if (typeof mediaId !== 'string' || mediaId === '') {
      throw new WeComApiError({ kind: 'response', endpoint, errmsg: 'no media_id in the answer', retryable: false });
    }
    // created_at is documented (as a string or a number); if a deployment leaves it out, the media_id is still
    // good, so report the local upload time rather than fail an upload that worked.
    return { mediaId, createdAt: Number.isFinite(createdAt) ? createdAt : Math.floor(Date.now() / 1000) };
  }

  /**
   * One call: token, request, and the retries. `build` completes the request for each attempt (a multipart
   * body can only be sent once).
   */
  private async call<T>(
    method: 'GET' | 'POST',
    endpoint: string,
    options: WeComRequestOptions | undefined,
    build: (base: ExchangeRequest) => ExchangeRequest,
  ): Promise<T> {
    checkEndpoint(endpoint);
    const idempotent = options?.idempotent ?? true;
    const signal = options?.signal ? AbortSignal.any([options.signal, this.closing.signal]) : this.closing.signal;
    // Once per call: a second refusal right after a fresh token is not a stale-token problem.
    let tokenRefreshed = false;
    // Token failures are final here: fetching the token already ran under the retry policy.
    const tokenFailures = new WeakSet<WeComApiError>();
    const attempt = async (n: number): Promise<T> => {
      let token: string;
      try {
        token = await this.tokenFor(endpoint, signal);
      } catch (error) {
        if (error instanceof WeComApiError) tokenFailures.add(error);
        throw error;
      }
      const query = new URLSearchParams({ access_token: token });
      try {
        const freshConnection = idempotent ? undefined : this.freshConnection;
        return (await this.send(build({ method, endpoint, query, idempotent, signal, freshConnection }), n)) as T;
      } catch (error) {
        if (!tokenRefreshed && isRefusedToken(error)) {
          tokenRefreshed = true;
          await this.tokens.reject(token);
          return attempt(n + 1);
        }
        throw error;
      }
    };
    return this.withRetries(endpoint, signal, attempt, (error) => tokenFailures.has(error));
  }

  private async fetchToken(): Promise<FetchedToken> {
    const endpoint = 'gettoken';
    const query = new URLSearchParams({ corpid: this.options.corpId, corpsecret: this.options.corpSecret });
    const signal = this.closing.signal;
    const answer = await this.withRetries(endpoint, signal, (n) =>
      this.send({ method: 'GET', endpoint, query, idempotent: true, signal }, n),
    );
    const token = answer.access_token;
    const expiresIn = Number(answer.expires_in ?? 7200);
    if (typeof token !== 'string' || token === '' || !(expiresIn > 0)) {
      throw new WeComApiError({
        kind: 'response',
        endpoint,
        errmsg: 'no access_token/expires_in in the answer',
        retryable: false,
      });
    }
    return { token, expiresInSeconds: expiresIn };
  }

  /**
   * Runs `attempt` until it succeeds, fails for good, or retries run out. `attempt` receives the 1-based
   * number of its first HTTP request and resolves/rejects after possibly several (token refresh).
   */
  private async withRetries<T>(
    endpoint: string,
    signal: AbortSignal | undefined,
    attempt: (requestNo: number) => Promise<T>,
    isFinal: (error: WeComApiError) => boolean = () => false,
  ): Promise<T> {
    let retries = 0;
    let requests = 0;
    for (;;) {
      try {
        return await attempt(requests + 1);
      } catch (error) {
        if (!(error instanceof WeComApiError)) throw error;
        requests = Math.max(requests + 1, error.attempts);
        if (isFinal(error) || !this.retry.shouldRetry(error, retries)) throw error;
        const delay = this.retry.delayMs(error, retries);
        retries += 1;
        this.logger.debug(`${endpoint}: retry ${retries}/${this.options.retry.maxRetries} in ${delay} ms`);
        try {
          await sleep(delay, signal);
        } catch {
          throw abortedError(endpoint, requests);
        }
      }
    }
  }

  /** One HTTP exchange, timed and logged (endpoint path and outcome only: no URL, no body). */
  private async send(request: ExchangeRequest, requestNo: number): Promise<Record<string, unknown>> {
    const started = performance.now();
    const ms = (): string => `${Math.round(performance.now() - started)} ms`;
    try {
      const answer = await exchange(request, {
        http: this.http,
        redactor: this.redactor,
        corpId: this.options.corpId,
        attempt: requestNo,
      });
      this.logger.debug(`${request.method} ${request.endpoint} → errcode 0 in ${ms()} (attempt ${requestNo})`);
      return answer;
    } catch (error) {
      if (error instanceof WeComApiError) {
        const outcome =
          error.errcode !== null
            ? `errcode ${error.errcode}`
            : `${error.kind} ${error.transportCode ?? error.httpStatus ?? ''}`.trim();
        this.logger.debug(`${request.method} ${request.endpoint} → ${outcome} in ${ms()} (attempt ${requestNo})`);
      }
      throw error;
    }
  }

  private async tokenFor(endpoint: string, signal: AbortSignal | undefined): Promise<string> {
    try {
      return await this.tokens.getToken(signal);
    } catch (error) {
      if (error instanceof WeComApiError) throw error;
      if (signal?.aborted) throw abortedError(endpoint, 0);
      throw error;
    }
  }
}

function isRefusedToken(error: unknown): boolean {
  return error instanceof WeComApiError && error.errcode !== null && TOKEN_REJECTED_ERRCODES.has(error.errcode);
}

function abortedError(endpoint: string, attempts: number): WeComApiError {
  return new WeComApiError({
    kind: 'aborted',
    endpoint,
    errmsg: 'the request was aborted (by the caller, or because the application is shutting down)',
    retryable: false,
    attempts,
  });
}

function withQuery(base: URLSearchParams, extra: WeComQuery | undefined): URLSearchParams {
  const query = new URLSearchParams(base);
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) continue;
    if (name === 'access_token') continue;
    query.append(name, String(value));
  }
  return query;
}

/**
 * Endpoint paths are relative names like `batch/getresult`: an absolute URL or `../` would send the access
 * token to another host or path.
 */
function checkEndpoint(endpoint: string): void {
  if (typeof endpoint !== 'string' || !ENDPOINT_PATTERN.test(endpoint)) {
    throw new WeComApiError({
      kind: 'local',
      endpoint: typeof endpoint === 'string' ? endpoint.slice(0, 100) : String(endpoint),
      errmsg: 'the endpoint must be a path relative to /cgi-bin/, like "batch/getresult"',
      retryable: false,
    });
  }
}

function checkMedia(file: Buffer, filename: string, endpoint: string): void {
  const refuse = (errcode: number, errmsg: string): never => {
    throw new WeComApiError({ kind: 'local', endpoint, errcode, errmsg, retryable: false });
  };
  if (!Buffer.isBuffer(file)) refuse(44001, 'the file must be a Buffer');
  if (file.length > MAX_MEDIA_FILE_BYTES) {
    refuse(45001, `the file is ${file.length} bytes; WeCom accepts at most ${MAX_MEDIA_FILE_BYTES} bytes (20 MB)`);
  }
  if (file.length < MIN_MEDIA_FILE_BYTES) {
    refuse(40006, `the file is ${file.length} bytes; WeCom requires more than 5 bytes`);
  }
  // The name goes into a Content-Disposition header: no quotes, backslashes, path separators or control chars.
  if (
    typeof filename !== 'string' ||
    filename.length === 0 ||
    filename.length > 128 ||
    /["\\/\p{Cc}]/u.test(filename)
  ) {
    refuse(40004, 'the filename must be 1–128 characters without quotes, slashes, backslashes or control characters');
  }
}

function contentTypeOf(filename: string): string {
  return /\.csv$/i.test(filename) ? 'text/csv' : 'application/octet-stream';
}
