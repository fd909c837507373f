import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import type { Readable } from 'node:stream';
import { WeComApiError } from '../errors/wecom-api.error.js';
import type { Redactor } from '../internal/redactor.util.js';
import { errorMessage } from '../internal/safe-error.util.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_HTTP, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import { AccessTokenManager } from './access-token.manager.js';
import { WECOM_CLIENT_REDACTOR } from './client.tokens.js';
import { apiError, classifyFailure, type ExchangeContext, type ExchangeRequest } from './http-exchange.util.js';
import { TOKEN_REJECTED_ERRCODES } from './wecom-errcodes.js';
import { abortedError, WeComRequestRunner } from './wecom-request-runner.service.js';
import { checkEndpoint, withQuery, type WeComQuery } from './wecom-request.util.js';

/** What a body reader gets besides the body: how to report WeCom's errcode answer as the client would. */
export interface StreamedAnswerContext {
  /** The `WeComApiError` of an errcode answer (`errcode ≠ 0`), scrubbed and classified like any other call's. */
  apiError(errcode: number, errmsg: unknown): WeComApiError;
  /** 1-based number of this attempt: a reader that already handed rows on must start over on a new attempt. */
  attempt: number;
}

/**
 * GET calls whose answer is read as a stream instead of one `JSON.parse` (`batch/getresult` of a job with
 * hundreds of thousands of rows is tens of MB of JSON). Same token handling, retry policy, shutdown and error
 * scrubbing as `WeComClient`: the token goes in the query only, a refused token is replaced once, transient
 * failures — also a connection lost in the middle of the body — are retried from the start.
 */
@Injectable()
export class WeComStreamClient {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_HTTP) private readonly http: HttpService,
    @Inject(WECOM_CLIENT_REDACTOR) private readonly redactor: Redactor,
    @Inject(AccessTokenManager) private readonly tokens: AccessTokenManager,
    @Inject(WeComRequestRunner) private readonly runner: WeComRequestRunner,
  ) {}

  /**
   * `GET /cgi-bin/<endpoint>?access_token=…&<query>`, the body handed to `read` as it arrives. `read` resolves
   * what the call resolves, or rejects with `context.apiError(…)` for an errcode answer; it may stop early by
   * resolving before the body ended (the connection is then closed).
   */
  async getStreamed<T>(
    endpoint: string,
    query: WeComQuery,
    read: (body: AsyncIterable<Buffer>, context: StreamedAnswerContext) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    checkEndpoint(endpoint);
    const shutdown = this.runner.shutdownSignal;
    const combined = signal ? AbortSignal.any([signal, shutdown]) : shutdown;
    let tokenRefreshed = false;
    const tokenFailures = new WeakSet<WeComApiError>();
    const attempt = async (n: number): Promise<T> => {
      let token: string;
      try {
        token = await this.tokens.getToken(combined);
      } catch (error) {
        if (error instanceof WeComApiError) tokenFailures.add(error);
        else if (combined.aborted) throw abortedError(endpoint, 0);
        throw error;
      }
      const request: ExchangeRequest = {
        method: 'GET',
        endpoint,
        query: withQuery(new URLSearchParams({ access_token: token }), query),
        idempotent: true,
        signal: combined,
      };
      try {
        return await this.once(request, n, read);
      } catch (error) {
        if (!tokenRefreshed && isRefusedToken(error)) {
          tokenRefreshed = true;
          await this.tokens.reject(token);
          return attempt(n + 1);
        }
        throw error;
      }
    };
    return this.runner.run(endpoint, combined, attempt, (error) => tokenFailures.has(error));
  }

  /** One exchange (traced, timed and logged by the runner, as every WeCom call is). */
  private once<T>(
    request: ExchangeRequest,
    attempt: number,
    read: (body: AsyncIterable<Buffer>, context: StreamedAnswerContext) => Promise<T>,
  ): Promise<T> {
    return this.runner.traced(request, attempt, () => this.openAndRead(request, attempt, read));
  }

  /** Opens the response as a stream, lets `read` consume it, always closes it. */
  private async openAndRead<T>(
    request: ExchangeRequest,
    attempt: number,
    read: (body: AsyncIterable<Buffer>, context: StreamedAnswerContext) => Promise<T>,
  ): Promise<T> {
    const ctx: ExchangeContext = { http: this.http, redactor: this.redactor, corpId: this.options.corpId, attempt };
    let response: AxiosResponse<Readable>;
    try {
      response = await this.http.axiosRef.request<Readable>({
        method: 'GET',
        url: `${request.endpoint}?${request.query.toString()}`,
        responseType: 'stream',
        signal: request.signal,
      });
    } catch (error) {
      throw classifyFailure(error, request, ctx);
    }
    const body = response.data;
    try {
      return await read(body, {
        attempt,
        apiError: (errcode, errmsg) => apiError(errcode, errmsg, request.endpoint, ctx),
      });
    } catch (error) {
      if (error instanceof WeComApiError) throw error;
      if (request.signal?.aborted) throw abortedError(request.endpoint, attempt);
      // The connection broke in the middle of the body, or the body is not the JSON WeCom sends: a GET is safe
      // to run again (the reader starts over on the next attempt).
      throw new WeComApiError({
        kind: 'transport',
        endpoint: request.endpoint,
        errmsg: `reading the answer failed: ${this.redactor.scrub(errorMessage(error))}`,
        retryable: true,
        maybeDelivered: false,
        attempts: attempt,
      });
    } finally {
      body.destroy();
    }
  }
}

function isRefusedToken(error: unknown): boolean {
  return error instanceof WeComApiError && error.errcode !== null && TOKEN_REJECTED_ERRCODES.has(error.errcode);
}
