import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { setMaxListeners } from 'node:events';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { sleep } from '../internal/backoff.util.js';
import type { Redactor } from '../internal/redactor.util.js';
import { logFields } from '../telemetry/log-fields.util.js';
import { requestAttributes } from '../telemetry/url-attributes.util.js';
import { WECOM_TELEMETRY, type TelemetrySpan } from '../telemetry/wecom-telemetry.service.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_HTTP, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import { WECOM_CLIENT_REDACTOR } from './client.tokens.js';
import { exchange, type ExchangeRequest } from './http-exchange.util.js';
import { RetryPolicy } from './retry-policy.service.js';
import { DETAIL_READ_RESTRICTED_ERRCODE, UNTRUSTED_IP_ERRCODE } from './wecom-errcodes.js';

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
        this.logger.verbose(`${endpoint}: retry ${retries}/${this.retry.maxRetries} in ${delay} ms`);
        try {
          await sleep(delay, signal);
        } catch {
          throw abortedError(endpoint, requests);
        }
      }
    }
  }

  /** One HTTP exchange (see {@link traced}). */
  send(request: ExchangeRequest, requestNo: number): Promise<Record<string, unknown>> {
    return this.traced(request, requestNo, () =>
      exchange(request, { http: this.http, redactor: this.redactor, corpId: this.options.corpId, attempt: requestNo }),
    );
  }

  /**
   * Runs one HTTP exchange of `request` (`run` performs it), timed and logged at `verbose` (endpoint path and
   * outcome only: no URL, no body), as one OpenTelemetry client span per attempt (`url.full` without the
   * credentials), with a warning for the errcodes a person must act on. Also used by the streaming client.
   */
  traced<T>(request: ExchangeRequest, requestNo: number, run: () => Promise<T>): Promise<T> {
    const { method, endpoint } = request;
    const attributes = WECOM_TELEMETRY.enabled
      ? {
          ...requestAttributes(method, this.options.apiBaseUrl, endpoint, request.query),
          'wecom.endpoint': endpoint,
          'http.request.resend_count': requestNo > 1 ? requestNo - 1 : undefined,
        }
      : {};
    return WECOM_TELEMETRY.span(
      `${method} ${endpoint}`,
      attributes,
      (span) => this.timed(request, requestNo, span, run),
      'client',
    );
  }

  private async timed<T>(
    request: ExchangeRequest,
    requestNo: number,
    span: TelemetrySpan,
    run: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const ms = (): string => `${Math.round(performance.now() - started)} ms`;
    try {
      const answer = await run();
      span.set({ 'http.response.status_code': 200, 'wecom.errcode': 0 });
      this.logger.verbose(`${request.method} ${request.endpoint} → errcode 0 in ${ms()} (attempt ${requestNo})`);
      return answer;
    } catch (error) {
      if (error instanceof WeComApiError) {
        // An errcode answer came with HTTP 200 unless the error says otherwise.
        const status = error.httpStatus ?? (error.errcode !== null && error.kind !== 'local' ? 200 : undefined);
        span.set({ 'http.response.status_code': status });
        WECOM_TELEMETRY.apiError(request.endpoint, error);
        const outcome =
          error.errcode !== null
            ? `errcode ${error.errcode}`
            : `${error.kind} ${error.transportCode ?? error.httpStatus ?? ''}`.trim();
        this.logger.verbose(`${request.method} ${request.endpoint} → ${outcome} in ${ms()} (attempt ${requestNo})`);
        this.warnIfActionable(error);
      }
      throw error;
    }
  }

  /**
   * A warning for the errcodes a person must act on (what to change is in the message). Not for `gettoken`: the
   * token manager logs its configuration failures (60020 included) as one error line with WeCom's advice and the
   * IP WeCom saw, and a second line here would say the same thing twice.
   */
  private warnIfActionable(error: WeComApiError): void {
    if (error.errcode === UNTRUSTED_IP_ERRCODE && error.endpoint !== 'gettoken') {
      this.logger.warn(
        `WeCom refused ${error.endpoint} from this server's IP (60020): add the egress IP to the corp's 企业可信IP ` +
          '(admin console → the 通讯录同步 app), or send the calls through a proxy with a trusted IP (`apiBaseUrl`)' +
          logFields({ endpoint: error.endpoint, errcode: 60020, corpId: this.options.corpId }),
      );
    } else if (error.errcode === DETAIL_READ_RESTRICTED_ERRCODE) {
      this.logger.warn(
        `WeCom refused ${error.endpoint} (48009): this secret may not read directory details from a trusted IP ` +
          'added after 2022-08-15; user/list_id and department/simplelist still work' +
          logFields({ endpoint: error.endpoint, errcode: 48009, corpId: this.options.corpId }),
      );
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
