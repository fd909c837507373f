import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { BatchJobResultCallback } from '../batch/batch-job-callback.js';
import { JobTracker } from '../batch/job-tracker.service.js';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { WECOM_CRYPTO_ERROR_CODES, WeComCryptoError } from '../errors/wecom-crypto.error.js';
import { CallbackRejectedEvent } from '../events/callback-rejected.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { WECOM_BATCH_EMITTER, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { toBatchJobResultEvent } from './batch-job-result.dto.js';
import { IMPORT_JOB_TYPES } from './callback.constants.js';
import { readEncryptedField } from './envelope.parser.js';
import { parseStrictXml, type XmlElements } from './strict-xml.parser.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { WeComCrypto } from './wecom-crypto.js';

/**
 * Query parameters WeCom puts on every callback request, as a framework parsed them. A parameter given more
 * than once arrives as an array (Express, Fastify) and is refused.
 */
export interface WeComCallbackQuery {
  msg_signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  /** GET (URL verification) only. */
  echostr?: unknown;
}

/** A callback request, independent of the HTTP framework. */
export interface WeComCallbackRequest {
  /** `GET` (URL verification) or `POST` (event delivery); anything else is answered 405. */
  method: string;
  /**
   * The raw query string (with or without the leading `?`) — preferred: duplicates are detected exactly —
   * or the query object your framework parsed (`req.query`).
   */
  query: string | WeComCallbackQuery | Record<string, unknown>;
  /**
   * POST: the raw body as received, a `Buffer` or a string (no XML or JSON parsing beforehand). Anything else
   * (e.g. an object a JSON parser produced) is refused with 400. A body over `callbackMaxBodyBytes` gets 413;
   * you may cut it at `callbackMaxBodyBytes + 1` bytes instead of reading all of it.
   */
  body?: unknown;
  /** The request's `Content-Type` header, if any: JSON, form and multipart bodies are refused with 400. */
  contentType?: string;
  /** The peer's address, reported in `wecom.batch.callback.rejected` events. */
  remoteAddress?: string;
}

/** What to answer: write `status`, the `Content-Type` header and `body` (possibly empty) as they are. */
export interface WeComCallbackResponse {
  status: number;
  /** GET: the bare decrypted echostr; POST: empty on success; a short reason on refusal. */
  body: string;
  contentType: string;
}

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const OK_EMPTY: WeComCallbackResponse = Object.freeze({ status: 200, body: '', contentType: TEXT_PLAIN });
const REFUSED_CONTENT_TYPE = /^\s*(?:application\/(?:[\w.+-]*\+)?json|application\/x-www-form-urlencoded|multipart\/)/i;
/** Longest accepted query values: WeCom's are a 40-hex signature, a 10-digit timestamp and a short nonce. */
const MAX_PARAM_LENGTH = { msg_signature: 128, timestamp: 12, nonce: 128, echostr: 4096 } as const;
type ParamName = keyof typeof MAX_PARAM_LENGTH;
const POST_PARAMS: readonly ParamName[] = ['msg_signature', 'timestamp', 'nonce'];
const GET_PARAMS: readonly ParamName[] = ['msg_signature', 'timestamp', 'nonce', 'echostr'];
const DIGITS = /^\d+$/;
const NOT_BLANK = /\S/;

/**
 * WeCom's callback endpoint, independent of the HTTP framework: verifies (constant-time SHA-1 signature,
 * replay window), decrypts (receiveId = corpId), validates the `batch_job_result` event and hands it to job
 * tracking, which records it durably and deduplicates it before the answer goes out. The built-in controller
 * delegates here; with `registerCallbackController: false`, call {@link handleCallback} from your own route.
 *
 * Every refusal is a 4xx (503 only when the store cannot record the callback, so WeCom retries), a
 * `wecom.batch.callback.rejected` event and at most one rate-limited warning per reason — never a secret or
 * decrypted content in either.
 */
@Injectable()
export class WeComCallbackService {
  private readonly logger = new Logger(WeComCallbackService.name);
  private readonly rateLimited = new RateLimitedLog(this.logger);
  private readonly crypto?: WeComCrypto;
  private readonly corpId: string;
  private readonly replayWindowSeconds: number;

  /**
   * The body size cap (`callbackMaxBodyBytes`). A route of your own may stop reading after `maxBodyBytes + 1`
   * bytes and pass what it has: the answer is 413 either way.
   */
  readonly maxBodyBytes: number;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_EMITTER) private readonly emitter: EventEmitter2,
    private readonly tracker: JobTracker,
  ) {
    this.corpId = options.corpId;
    this.maxBodyBytes = options.callbackMaxBodyBytes;
    this.replayWindowSeconds = options.callbackReplayWindowSeconds;
    // One instance: the AES key is decoded once, not per message.
    this.crypto = options.callback
      ? new WeComCrypto({
          token: options.callback.token,
          encodingAESKey: options.callback.encodingAESKey,
          receiveId: options.corpId,
        })
      : undefined;
  }

  /**
   * Handles one callback request and says what to answer. Never throws for bad input: every refusal is a
   * response (and an event).
   *
   * - `GET` (URL verification: msg_signature, timestamp, nonce, echostr) → 200 with the bare decrypted echostr
   *   as `text/plain`. No replay window here: WeCom signs it when you save the URL, and answering a replay
   *   reveals nothing and changes nothing.
   * - `POST` (event delivery) → 200 with an empty body once the event is recorded (job events follow
   *   asynchronously); events that are not an import job's `batch_job_result` are acknowledged and ignored.
   *
   * ```ts
   * // With registerCallbackController: false. Express: read the raw body from the request stream (Nest's JSON
   * // parser leaves XML alone). Fastify: the module registers text/xml + application/xml parsers, so
   * // `req.body` is already a Buffer.
   * @All('hooks/wecom')
   * async wecom(@Req() req: Request, @Res() res: Response) {
   *   const answer = await this.callbacks.handleCallback({
   *     method: req.method,
   *     query: req.originalUrl.split('?')[1] ?? '', // or req.query
   *     body: req.method === 'POST' ? await buffer(req) : undefined, // buffer() from 'node:stream/consumers'
   *     contentType: req.headers['content-type'],
   *     remoteAddress: req.ip,
   *   });
   *   res.status(answer.status).type(answer.contentType).send(answer.body);
   * }
   * ```
   */
  async handleCallback(request: WeComCallbackRequest): Promise<WeComCallbackResponse> {
    const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
    if (method !== 'GET' && method !== 'POST') {
      return { status: 405, body: 'method not allowed: use GET or POST', contentType: TEXT_PLAIN };
    }
    try {
      return method === 'GET' ? this.verifyUrl(request) : await this.receive(request);
    } catch (error) {
      if (error instanceof WeComCallbackRejectedError) return this.reject(error, method, request.remoteAddress);
      throw error;
    }
  }

  /** GET: the URL verification echo. */
  private verifyUrl(request: WeComCallbackRequest): WeComCallbackResponse {
    const crypto = this.requireCrypto();
    const params = readParams(request.query, GET_PARAMS);
    // Query decoding turns a literal '+' into a space; base64 has no spaces, so they can only be '+'.
    const echostr = params.echostr.replaceAll(' ', '+');
    if (!crypto.verify(params.msg_signature, params.timestamp, params.nonce, echostr)) {
      throw new WeComCallbackRejectedError('bad_signature', 401, 'URL verification: the signature does not match');
    }
    const { message } = this.decrypt(crypto, echostr);
    return { status: 200, body: message, contentType: TEXT_PLAIN };
  }

  /** POST: an event delivery. */
  private async receive(request: WeComCallbackRequest): Promise<WeComCallbackResponse> {
    const crypto = this.requireCrypto();
    const params = readParams(request.query, POST_PARAMS);
    const text = this.bodyText(request);
    const encrypted = readEncryptedField(text);
    if (!crypto.verify(params.msg_signature, params.timestamp, params.nonce, encrypted)) {
      throw new WeComCallbackRejectedError('bad_signature', 401, 'the signature does not match');
    }
    const skew = Math.floor(Date.now() / 1000) - Number(params.timestamp);
    if (Math.abs(skew) > this.replayWindowSeconds) {
      throw new WeComCallbackRejectedError(
        'stale_timestamp',
        401,
        `the timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'} (window ±${this.replayWindowSeconds} s)`,
      );
    }
    const { message } = this.decrypt(crypto, encrypted);
    const callback = this.toCallback(message);
    if (callback === undefined) return OK_EMPTY;
    try {
      await this.tracker.acceptCallback(callback);
    } catch (error) {
      throw new WeComCallbackRejectedError(
        'store_unavailable',
        503,
        // No job id: decrypted content stays out of logs and events.
        `the callback could not be recorded (${errorName(error)}); WeCom will deliver it again`,
        { cause: error },
      );
    }
    return OK_EMPTY;
  }

  private requireCrypto(): WeComCrypto {
    if (this.crypto === undefined) {
      throw new WeComCallbackRejectedError(
        'not_configured',
        404,
        'WeCom callbacks are not configured: set the `callback` option (url, token, encodingAESKey) of WeComBatchModule',
      );
    }
    return this.crypto;
  }

  /** The POST body as text, after the content-type and size checks. */
  private bodyText(request: WeComCallbackRequest): string {
    if (typeof request.contentType === 'string' && REFUSED_CONTENT_TYPE.test(request.contentType)) {
      throw new WeComCallbackRejectedError(
        'unsupported_content_type',
        400,
        `a ${request.contentType.split(';')[0].trim()} body is not a WeCom callback (expected text/xml)`,
      );
    }
    const body = request.body;
    let text: string;
    if (Buffer.isBuffer(body)) {
      if (body.length > this.maxBodyBytes) throw this.tooLarge();
      text = body.toString('utf8');
    } else if (typeof body === 'string') {
      if (body.length > this.maxBodyBytes || Buffer.byteLength(body) > this.maxBodyBytes) throw this.tooLarge();
      text = body;
    } else if (body === undefined || body === null) {
      text = '';
    } else {
      throw new WeComCallbackRejectedError(
        'unsupported_content_type',
        400,
        'the body was already parsed into an object by another body parser; the callback needs the raw XML',
      );
    }
    if (!NOT_BLANK.test(text)) throw new WeComCallbackRejectedError('malformed_envelope', 400, 'the body is empty');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  private tooLarge(): WeComCallbackRejectedError {
    return new WeComCallbackRejectedError(
      'body_too_large',
      413,
      `the body is larger than callbackMaxBodyBytes (${this.maxBodyBytes} bytes)`,
    );
  }

  private decrypt(crypto: WeComCrypto, encrypted: string): { message: string } {
    try {
      return crypto.decrypt(encrypted);
    } catch (error) {
      if (!(error instanceof WeComCryptoError)) throw error;
      if (error.code === WECOM_CRYPTO_ERROR_CODES.VALIDATE_RECEIVE_ID) {
        throw new WeComCallbackRejectedError('wrong_receiver', 401, 'the message is addressed to another CorpID');
      }
      throw new WeComCallbackRejectedError('decrypt_failed', 401, `the message cannot be decrypted: ${error.message}`);
    }
  }

  /**
   * The tracker's input for an import job's `batch_job_result`, or `undefined` for anything to acknowledge and
   * ignore (other events and messages, other job families such as exports).
   */
  private toCallback(message: string): BatchJobResultCallback | undefined {
    const { root, value } = parseStrictXml(message);
    if (root !== 'xml' || typeof value !== 'object') {
      throw new WeComCallbackRejectedError('malformed_event', 400, 'the decrypted message has no <xml> root element');
    }
    const fields: XmlElements = value;
    if (fields.MsgType !== 'event' || fields.Event !== 'batch_job_result') {
      this.logger.debug(`ignored a callback that is not a batch_job_result event (${describeKind(fields)})`);
      return undefined;
    }
    const event = toBatchJobResultEvent(fields);
    if (event.ToUserName !== this.corpId) {
      throw new WeComCallbackRejectedError('wrong_receiver', 401, 'the event is addressed to another CorpID');
    }
    const job = event.BatchJob;
    if (!IMPORT_JOB_TYPES.has(job.JobType)) {
      this.logger.debug(`ignored batch_job_result of a ${safeToken(job.JobType)} job (not an import)`);
      return undefined;
    }
    return {
      corpId: this.corpId,
      jobId: job.JobId,
      jobType: job.JobType as BatchJobResultCallback['jobType'],
      errCode: job.ErrCode,
      errMsg: job.ErrMsg,
      createTime: event.CreateTime,
    };
  }

  private reject(
    error: WeComCallbackRejectedError,
    method: 'GET' | 'POST',
    remoteAddress?: string,
  ): WeComCallbackResponse {
    const from = remoteAddress ? ` from ${remoteAddress}` : '';
    // The cause's name and code only: a store error's message may quote keys that contain the (decrypted) job id.
    const cause = error.cause instanceof Error ? ` [${describeCause(error.cause)}]` : '';
    const line = `refused a WeCom callback ${method}${from}: ${error.reason} (${error.status}) — ${error.message}${cause}`;
    this.rateLimited.write(error.status >= 500 ? 'error' : 'warn', error.reason, line);
    const event = new CallbackRejectedEvent({
      reason: error.reason,
      status: error.status,
      method,
      detail: error.message,
      remoteAddress,
      at: new Date(),
    });
    // After the answer is written: a slow synchronous listener must not hold it back.
    setImmediate(() => {
      try {
        this.emitter.emit(WECOM_BATCH_EVENTS.CALLBACK_REJECTED, event);
      } catch (listenerError) {
        this.logger.error(`a ${WECOM_BATCH_EVENTS.CALLBACK_REJECTED} listener threw: ${errorName(listenerError)}`);
      }
    });
    return { status: error.status, body: error.message, contentType: TEXT_PLAIN };
  }
}

/**
 * The named parameters, each present once and non-empty. A string query is parsed here (exact duplicate
 * detection); a parsed query object is checked for arrays.
 */
function readParams<K extends ParamName>(query: WeComCallbackRequest['query'], names: readonly K[]): Record<K, string> {
  const values: Partial<Record<K, string>> = {};
  const duplicated: K[] = [];
  if (typeof query === 'string') {
    const wanted = new Set<string>(names);
    for (const [name, value] of new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)) {
      if (!wanted.has(name)) continue;
      if (values[name as K] !== undefined) duplicated.push(name as K);
      else values[name as K] = value;
    }
  } else {
    const object = (query ?? {}) as Record<string, unknown>;
    for (const name of names) {
      const value = object[name];
      if (Array.isArray(value)) duplicated.push(name);
      else if (typeof value === 'string') values[name] = value;
    }
  }
  if (duplicated.length > 0) {
    throw new WeComCallbackRejectedError(
      'invalid_parameters',
      400,
      `query parameters given more than once: ${[...new Set(duplicated)].join(', ')}`,
    );
  }
  const missing = names.filter((name) => !values[name]);
  if (missing.length > 0) {
    throw new WeComCallbackRejectedError('missing_parameters', 400, `missing query parameters: ${missing.join(', ')}`);
  }
  const tooLong = names.filter((name) => (values[name] as string).length > MAX_PARAM_LENGTH[name]);
  if (tooLong.length > 0) {
    throw new WeComCallbackRejectedError('invalid_parameters', 400, `query parameters too long: ${tooLong.join(', ')}`);
  }
  if (!DIGITS.test((values as Partial<Record<ParamName, string>>).timestamp as string)) {
    throw new WeComCallbackRejectedError('invalid_parameters', 400, 'timestamp is not a number of seconds');
  }
  return values as Record<K, string>;
}

/** MsgType/Event of an ignored message, reduced to a safe token (no decrypted text reaches the logs). */
function describeKind(fields: XmlElements): string {
  return `MsgType ${safeToken(fields.MsgType)}, Event ${safeToken(fields.Event)}`;
}

function safeToken(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(value) ? value : '(other)';
}

function describeCause(cause: Error): string {
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? `${cause.name} ${code}` : cause.name;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
