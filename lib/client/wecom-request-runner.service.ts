import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { sleep } from '../internal/backoff.util.js';
import type { Redactor } from '../internal/redactor.util.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_HTTP, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import { WECOM_CLIENT_REDACTOR } from './client.tokens.js';
import { exchange, type ExchangeRequest } from './http-exchange.util.js';
import { RetryPolicy } from './retry-policy.service.js';

/**
 * Sends the WeCom client's HTTP exchanges and retries them by the {@link RetryPolicy}. Shared by `WeComClient`
 * (API calls) and `AccessTokenFetcher` (`gettoken`), so both retry, log and stop at shutdown the same way.
 */
@Injectable()
export class WeComRequestRunner implements OnModuleDestroy {
  // Named after the client: these are the client's request lines, as before the runner was split out of it.
  private readonly logger = new Logger('WeComClient');
  /** Aborted on shutdown: in-flight calls and their pending retries stop instead of outliving the app. */
  private readonly closing = new AbortController();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_HTTP) private readonly http: HttpService,
    @Inject(WECOM_CLIENT_REDACTOR) private readonly redactor: Redactor,
    @Inject(RetryPolicy) private readonly retry: RetryPolicy,
  ) {
    // Every call in flight listens on the shutdown signal: hundreds at once are normal, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  /** Fires when the module shuts down. */
  get shutdownSignal(): AbortSignal {
    return this.closing.signal;
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
   * Runs `attempt` until it succeeds, fails for good, or retries run out. `attempt` receives the 1-based
   * number of its first HTTP request and resolves/rejects after possibly several (token refresh).
   * @param isFinal failures that must not be retried here whatever the policy says (already retried elsewhere)
   */
  async run<T>(
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
        this.logger.debug(`${endpoint}: retry ${retries}/${this.retry.maxRetries} in ${delay} ms`);
        try {
          await sleep(delay, signal);
        } catch {
          throw abortedError(endpoint, requests);
        }
      }
    }
  }

  /** One HTTP exchange, timed and logged (endpoint path and outcome only: no URL, no body). */
  async send(request: ExchangeRequest, requestNo: number): Promise<Record<string, unknown>> {
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
}

/** The error of a call stopped by its signal (the caller's, or the module's shutdown). */
export function abortedError(endpoint: string, attempts: number): WeComApiError {
  return new WeComApiError({
    kind: 'aborted',
    endpoint,
    errmsg: 'the request was aborted (by the caller, or because the application is shutting down)',
    retryable: false,
    attempts,
  });
}
