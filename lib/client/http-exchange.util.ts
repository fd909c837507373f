import type { HttpService } from '@nestjs/axios';
import { AxiosError, type AxiosResponse } from 'axios';
import type { Agent as HttpAgent, ClientRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { firstValueFrom } from 'rxjs';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { configErrorMessage } from '../errors/wecom-api.messages.js';
import type { Redactor } from '../internal/redactor.util.js';
import { errorMessage, safeCause } from '../internal/safe-error.util.js';
import { CONFIG_ERRCODES, RETRYABLE_ERRCODES } from './wecom-errcodes.js';

/** One HTTP request to WeCom, fully described (credentials included: they only ever go in the query). */
export interface ExchangeRequest {
  method: 'GET' | 'POST';
  /** Path relative to `/cgi-bin/`, already validated. */
  endpoint: string;
  /** Query parameters, credentials first (`access_token`, or `corpid` + `corpsecret` for gettoken). */
  query: URLSearchParams;
  /** JSON body of a POST. */
  body?: object;
  /**
   * Multipart body of a POST (an upload), its stream made afresh for each attempt (a stream is consumed once):
   * streamed in slices with its exact length, never one 20 MB write on the event loop (see `multipartBody`).
   */
  multipart?: { contentType: string; length: number; body: Readable };
  /** False for job submissions: decides `maybeDelivered` and `retryable` of failures after sending. */
  idempotent: boolean;
  signal?: AbortSignal;
  /**
   * Agents opening a new connection per request, for non-idempotent requests: on a pooled keep-alive socket
   * the server may have closed meanwhile, a reset after send would make a submission look "maybe delivered"
   * when it never arrived.
   */
  freshConnection?: { http: HttpAgent; https: HttpsAgent };
}

/** What an exchange needs besides the request. */
export interface ExchangeContext {
  http: HttpService;
  redactor: Redactor;
  corpId: string;
  /** 1-based number of this HTTP request within the call (reported in errors). */
  attempt: number;
}

/**
 * Connection failures that happen before a single byte reaches the server: safe to retry even for
 * non-idempotent requests.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/**
 * Performs one HTTP exchange. Resolves WeCom's JSON object when `errcode` is absent or 0; otherwise rejects
 * with a classified, scrubbed {@link WeComApiError}. No retries here.
 */
export async function exchange(request: ExchangeRequest, ctx: ExchangeContext): Promise<Record<string, unknown>> {
  let response: AxiosResponse<string>;
  try {
    response = await firstValueFrom(
      ctx.http.request<string>({
        method: request.method,
        url: `${request.endpoint}?${request.query.toString()}`,
        data: request.multipart?.body ?? request.body,
        headers: request.multipart
          ? { 'Content-Type': request.multipart.contentType, 'Content-Length': String(request.multipart.length) }
          : request.body
            ? { 'Content-Type': 'application/json' }
            : undefined,
        // Parse here, not in axios: a non-JSON body is reported as such instead of silently becoming a string.
        responseType: 'text',
        transformResponse: [(data: string) => data],
        signal: request.signal,
        ...(request.freshConnection
          ? { httpAgent: request.freshConnection.http, httpsAgent: request.freshConnection.https }
          : {}),
      }),
    );
  } catch (error) {
    throw classifyFailure(error, request, ctx);
  }
  return parseAnswer(response.data, response.status, request, ctx);
}

function parseAnswer(
  text: string,
  status: number,
  request: ExchangeRequest,
  ctx: ExchangeContext,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // WeCom always answers JSON; anything else came from something in between (proxy, captive portal).
    throw new WeComApiError({
      kind: 'http',
      endpoint: request.endpoint,
      errmsg: `HTTP ${status} with a body that is not a JSON object (${describeBody(text)})`,
      httpStatus: status,
      ...afterSend(request),
      attempts: ctx.attempt,
    });
  }
  const answer = parsed as Record<string, unknown>;
  const errcode = toErrcode(answer.errcode);
  if (errcode === undefined || errcode === 0) return answer;
  throw apiError(errcode, answer.errmsg, request.endpoint, ctx, status === 200 ? undefined : status);
}

export function apiError(
  errcode: number,
  rawErrmsg: unknown,
  endpoint: string,
  ctx: ExchangeContext,
  httpStatus?: number,
): WeComApiError {
  const errmsg = ctx.redactor.scrub(typeof rawErrmsg === 'string' ? rawErrmsg : String(rawErrmsg ?? ''));
  const config = CONFIG_ERRCODES.has(errcode);
  return new WeComApiError({
    kind: config ? 'config' : 'api',
    endpoint,
    errcode,
    errmsg,
    // An errcode answer means WeCom refused the request before doing anything: retrying is safe even for a
    // job submission.
    retryable: RETRYABLE_ERRCODES.has(errcode),
    maybeDelivered: false,
    httpStatus,
    attempts: ctx.attempt,
    message: config ? configErrorMessage({ errcode, errmsg, endpoint, corpId: ctx.corpId }) : undefined,
  });
}

export function classifyFailure(error: unknown, request: ExchangeRequest, ctx: ExchangeContext): WeComApiError {
  const endpoint = request.endpoint;
  if (!(error instanceof AxiosError)) {
    return new WeComApiError({
      kind: 'transport',
      endpoint,
      errmsg: ctx.redactor.scrub(errorMessage(error)),
      retryable: false,
      attempts: ctx.attempt,
      cause: scrubbedCause(error, ctx),
    });
  }
  const cause = scrubbedCause(error, ctx);
  const response = error.response as AxiosResponse<string> | undefined;
  if (response) {
    // validateStatus accepts 200 only. A JSON errcode in another status is still WeCom's answer.
    const text = typeof response.data === 'string' ? response.data : '';
    const errcode = toErrcode(tryParseObject(text)?.errcode);
    if (errcode !== undefined && errcode !== 0) {
      return apiError(errcode, tryParseObject(text)?.errmsg, endpoint, ctx, response.status);
    }
    return new WeComApiError({
      kind: 'http',
      endpoint,
      errmsg: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} (${describeBody(text)})`,
      httpStatus: response.status,
      // A proxy may have forwarded the request before failing: for a job submission, assume it arrived.
      ...afterSend(request),
      attempts: ctx.attempt,
      cause,
    });
  }

  const sent = wasSent(error);
  const code = error.code ?? 'UNKNOWN';
  const message = ctx.redactor.scrub(error.message || code);
  if (error.code === AxiosError.ERR_CANCELED || request.signal?.aborted) {
    return new WeComApiError({
      kind: 'aborted',
      endpoint,
      errmsg: 'the caller aborted the request',
      retryable: false,
      maybeDelivered: sent && !request.idempotent,
      attempts: ctx.attempt,
    });
  }
  const errmsg = message.includes(code) ? message : `${message} (${code})`;
  if (!sent || NOT_SENT_CODES.has(code)) {
    return new WeComApiError({
      kind: 'transport',
      endpoint,
      errmsg,
      transportCode: code,
      retryable: true,
      maybeDelivered: false,
      attempts: ctx.attempt,
      cause,
    });
  }
  return new WeComApiError({
    kind: 'transport',
    endpoint,
    errmsg,
    transportCode: code,
    ...afterSend(request),
    attempts: ctx.attempt,
    cause,
  });
}

/** Retry flags of a failure that happened after the whole request was handed to the network. */
function afterSend(request: ExchangeRequest): { retryable: boolean; maybeDelivered: boolean } {
  return request.idempotent ? { retryable: true, maybeDelivered: false } : { retryable: false, maybeDelivered: true };
}

/**
 * True when the request (headers and body) had been handed to the OS in full before the failure, i.e. the
 * server may have received and processed it. `writableFinished` is set on Node's ClientRequest once its
 * 'finish' event fired; a connect failure or a timeout while connecting leaves it false.
 */
function wasSent(error: AxiosError): boolean {
  const req = error.request as Partial<ClientRequest> | undefined;
  return req?.writableFinished === true;
}

/**
 * The cause kept on a WeComApiError: name, code and scrubbed message only. The axios error itself holds the
 * request config and the ClientRequest, whose URL carries the access token or the corp secret.
 */
function scrubbedCause(error: unknown, ctx: ExchangeContext): Error {
  return safeCause(error, (text) => ctx.redactor.scrub(text));
}

function toErrcode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

function tryParseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Length only: a body from an unknown middlebox may echo the request URL, i.e. the token. */
function describeBody(text: string): string {
  return text.length === 0 ? 'empty body' : `${text.length} characters`;
}
