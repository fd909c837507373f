import { Inject, Injectable } from '@nestjs/common';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { AccessTokenManager } from './access-token.manager.js';
import { multipartBody } from './multipart-body.util.js';
import type { ExchangeRequest } from './http-exchange.util.js';
import { TOKEN_REJECTED_ERRCODES } from './wecom-errcodes.js';
import { abortedError, WeComRequestRunner } from './wecom-request-runner.service.js';
import { checkEndpoint, checkMedia, contentTypeOf, withQuery, type WeComQuery } from './wecom-request.util.js';

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

/** Result of {@link WeComClient.uploadMedia}. */
export interface WeComUploadedMedia {
  /** The `media_id`, valid for 3 days. */
  mediaId: string;
  /** Upload time as WeCom reports it, in epoch seconds (WeCom sends a string or a number; this is a number). */
  createdAt: number;
}

/**
 * The module's WeCom API client: `https://…/cgi-bin/<endpoint>?access_token=…` with the token managed for
 * you (cached in the store, refreshed ahead of expiry, single flight across instances, refused tokens
 * replaced once), transient failures retried with capped, jittered backoff, and every failure turned into
 * a {@link WeComApiError} that contains neither the token nor the secret.
 *
 * Not retried by this layer: 302008 (another import is running — the BatchService queue waits for the
 * running job) and every other business errcode, which comes back as `kind: 'api'`, `retryable: false`.
 *
 * Its collaborators are providers of the module (see `CLIENT_PROVIDERS`): the token manager
 * (`AccessTokenManager`), the retry policy (`RetryPolicy`) and the redactor (`WECOM_CLIENT_REDACTOR`) can each be
 * replaced with `overrideProvider` in a Nest testing module.
 */
@Injectable()
export class WeComClient {
  /** No keep-alive: each job submission gets a connection of its own (see `ExchangeRequest.freshConnection`). */
  private readonly freshConnection = {
    http: new HttpAgent({ keepAlive: false }),
    https: new HttpsAgent({ keepAlive: false }),
  };

  constructor(
    @Inject(AccessTokenManager) private readonly tokens: AccessTokenManager,
    @Inject(WeComRequestRunner) private readonly runner: WeComRequestRunner,
  ) {}

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
    // Streamed from slices of `file`, not a Blob in a FormData: Node reads a Blob back as one chunk (a 20 MB
    // copy holding the event loop per upload).
    const body = multipartBody('media', file, filename, contentTypeOf(filename));
    const answer = await this.call<Record<string, unknown>>('POST', endpoint, options, (base) => ({
      ...base,
      query: withQuery(base.query, { type: 'file' }),
      multipart: { contentType: body.contentType, length: body.length, body: body.stream() },
    }));
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
    const shutdown = this.runner.shutdownSignal;
    const signal = options?.signal ? AbortSignal.any([options.signal, shutdown]) : shutdown;
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
        return (await this.runner.send(
          build({ method, endpoint, query, idempotent, signal, freshConnection }),
          n,
        )) as T;
      } catch (error) {
        if (!tokenRefreshed && isRefusedToken(error)) {
          tokenRefreshed = true;
          await this.tokens.reject(token);
          return attempt(n + 1);
        }
        throw error;
      }
    };
    return this.runner.run(endpoint, signal, attempt, (error) => tokenFailures.has(error));
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
