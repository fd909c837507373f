import { WeComBatchError } from './wecom-batch.error.js';

/**
 * What went wrong with a WeCom call:
 * - `api`: WeCom answered with a non-zero `errcode` (a business error).
 * - `config`: WeCom answered with an `errcode` that means the module is configured wrongly (bad secret 40001,
 *   wrong CorpID 40013, foreign secret 40091, missing credential 41001/41002/41004, wrong secret type 48002,
 *   untrusted IP 60020/301042, invalid CorpId 2000002). Never retried; the message says what to fix.
 * - `transport`: no answer: connection refused/reset, timeout, DNS failure.
 * - `http`: an answer that is not WeCom's JSON: a status other than 200 (WeCom itself answers 200, so this
 *   is usually a proxy) or a 200 whose body is not JSON.
 * - `response`: WeCom's JSON success lacks a field the API documents (e.g. `media_id`).
 * - `local`: refused before anything was sent (e.g. a file over 20 MB); `errcode` is what WeCom would
 *   have answered.
 * - `aborted`: the caller's `AbortSignal` fired.
 * - `store`: the module's store failed while the call fetched its access token (the token cache or the
 *   token-refresh lock); nothing was sent to WeCom by this call. The store's own error is the scrubbed `cause`.
 *
 * Why a store outage has two error types: a store failure inside a WeCom call is this `kind: 'store'`, so code
 * calling WeCom (`getResult`, `invite`, `uploadCsv` …) handles every failure of the call as one `WeComApiError`
 * with a `retryable` flag; store calls outside a WeCom call (job records, the import slot, `waitForJob`) throw the
 * store's `WeComStoreError` with its `operation`. Both extend `WeComBatchError`; catch that to handle either.
 */
export type WeComApiErrorKind = 'api' | 'config' | 'transport' | 'http' | 'response' | 'local' | 'aborted' | 'store';

/** Fields of a {@link WeComApiError}, as passed to its constructor. */
export interface WeComApiErrorInit {
  kind: WeComApiErrorKind;
  /** The endpoint path relative to `/cgi-bin/`, e.g. `batch/getresult` (never a URL). */
  endpoint: string;
  errcode?: number | null;
  errmsg: string;
  retryable: boolean;
  maybeDelivered?: boolean;
  httpStatus?: number;
  transportCode?: string;
  attempts?: number;
  /** Replaces the default message (used for configuration errors that say what to fix). */
  message?: string;
  /** Must already be sanitized: it is kept on the error as `cause`. */
  cause?: Error;
}

/**
 * A WeCom API call failed. Every failure of the module's WeCom client is one of these; nothing in it (message,
 * fields, `cause`) contains the access token or the corp secret.
 *
 * ```ts
 * try { await batch.getResult(jobId); }
 * catch (e) {
 *   if (e instanceof WeComApiError && e.kind === 'config') alertOps(e.message);
 * }
 * ```
 */
export class WeComApiError extends WeComBatchError {
  /** Category of the failure; see {@link WeComApiErrorKind}. */
  readonly kind: WeComApiErrorKind;
  /** WeCom's `errcode`, or `null` when WeCom gave none (transport, http, aborted, store). */
  readonly errcode: number | null;
  /**
   * WeCom's full `errmsg` (with its `hint` and `from ip`, which help WeCom support), or the transport error's
   * message. Scrubbed of tokens and secrets.
   */
  readonly errmsg: string;
  /** The endpoint path relative to `/cgi-bin/`, e.g. `batch/syncuser`. Never a URL. */
  readonly endpoint: string;
  /**
   * The failure is transient: the same call may succeed later. The client has already retried it up to
   * `retry.maxRetries` times. `false` for business and configuration errors, and for a job submission that
   * may have reached WeCom (`maybeDelivered`): re-sending it could start a second job.
   */
  readonly retryable: boolean;
  /**
   * A non-idempotent request (a job submission) failed after it was fully sent (timeout or connection reset
   * while waiting for the answer): WeCom may have processed it. It was not re-sent; reconcile instead (e.g.
   * a 302008 on the next submission means the first one is running).
   */
  readonly maybeDelivered: boolean;
  /** HTTP status of a non-WeCom answer (`kind: 'http'`). */
  readonly httpStatus?: number;
  /** Node/axios error code of a transport failure, e.g. `ECONNRESET`, `ETIMEDOUT`, `ECONNREFUSED`. */
  readonly transportCode?: string;
  /** How many HTTP requests were made for this call (retries and the token-refresh retry included). */
  readonly attempts: number;

  constructor(init: WeComApiErrorInit) {
    super(init.message ?? defaultMessage(init), init.cause ? { cause: init.cause } : undefined);
    this.kind = init.kind;
    this.errcode = init.errcode ?? null;
    this.errmsg = init.errmsg;
    this.endpoint = init.endpoint;
    this.retryable = init.retryable;
    this.maybeDelivered = init.maybeDelivered ?? false;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.transportCode !== undefined) this.transportCode = init.transportCode;
    this.attempts = init.attempts ?? 0;
  }

  /** Structured form for JSON loggers: the fields and the message (the `cause` is summarized, not nested). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      errcode: this.errcode,
      errmsg: this.errmsg,
      endpoint: this.endpoint,
      retryable: this.retryable,
      maybeDelivered: this.maybeDelivered,
      httpStatus: this.httpStatus,
      transportCode: this.transportCode,
      attempts: this.attempts,
    };
  }
}

function defaultMessage(init: WeComApiErrorInit): string {
  const what = `WeCom ${init.endpoint}`;
  switch (init.kind) {
    case 'api':
    case 'config':
    case 'local':
      return `${what} failed: errcode ${init.errcode} — ${init.errmsg}`;
    case 'http':
      return `${what} failed: ${init.errmsg}`;
    case 'transport':
      return `${what} failed: ${init.errmsg}${init.maybeDelivered ? MAYBE_DELIVERED_NOTE : ''}`;
    case 'aborted':
      return `${what} aborted: ${init.errmsg}${init.maybeDelivered ? MAYBE_DELIVERED_NOTE : ''}`;
    case 'response':
      return `${what} returned an unexpected answer: ${init.errmsg}`;
    case 'store':
      return `${what} could not run: the WeComBatchModule store failed: ${init.errmsg}`;
  }
}

const MAYBE_DELIVERED_NOTE =
  ' — the request had been sent in full, so WeCom may have processed it; it was not re-sent (a job submission is not idempotent)';
