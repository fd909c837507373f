import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { CallbackAcceptance } from '../batch/tracking/batch-job-callback.types.js';
import { JobTracker, MAX_UNKNOWN_JOBS_FOLLOWED } from '../batch/tracking/job-tracker.service.js';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { errorName } from '../internal/safe-error.util.js';
import { SPAN_NAMES, type CallbackOutcome } from '../telemetry/telemetry.constants.js';
import { WECOM_TELEMETRY } from '../telemetry/wecom-telemetry.service.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_CALLBACK_ROUTER } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { freezeDeep } from '../internal/freeze-deep.util.js';
import { mapBatchJobEvent, type MappedCallbackEvent } from './batch-job-event.mapper.js';
import { CALLBACK_TEXT_PLAIN } from './callback.constants.js';
import { CallbackRejections, malformedXmlRejection, type CallbackXmlPart } from './callback-rejections.service.js';
import {
  GET_PARAMS,
  POST_PARAMS,
  callbackMethod,
  readCallbackBodyText,
  readCallbackParams,
} from './callback-request.checks.js';
import type { WeComCallbackRequest, WeComCallbackResponse } from './callback.types.js';
import { CallbackVerifier, type VerifiedCallback } from './callback-verifier.service.js';
import { RateLimitedLog } from './rate-limited-log.util.js';
import { envelopeOf } from './envelope.parser.js';
import { XmlFormatError } from './xml-format.error.js';

/**
 * Routes a delivery meant for another corp (by the envelope's `ToUserName`) to that corp's callback service;
 * `undefined` keeps it here. Provided by a registration with `resolveCorp` (`lib/corps/`).
 */
export interface WeComCallbackRouter {
  route(request: WeComCallbackRequest): Promise<WeComCallbackResponse | undefined>;
}

const OK_EMPTY: WeComCallbackResponse = Object.freeze({ status: 200, body: '', contentType: CALLBACK_TEXT_PLAIN });

/**
 * WeCom's callback endpoint, independent of the HTTP framework: verifies (constant-time SHA-1 signature,
 * replay window), decrypts (receiveId = corpId), validates the `batch_job_result` event and hands it to job
 * tracking, which records it durably and deduplicates it before the answer goes out. The built-in controller
 * delegates here; with `registerCallbackController: false`, call {@link handleCallback} from your own route.
 *
 * Every refusal is a 4xx (503 only when the store cannot record the callback, so WeCom retries) with an empty body
 * and its reason in the `WeCom-Callback-Rejection` header, a `wecom.batch.callback.rejected` event and at most one
 * rate-limited warning per reason — never a secret or decrypted content in any of them.
 */
@Injectable()
export class WeComCallbackService {
  private readonly logger = new Logger(WeComCallbackService.name);
  private readonly corpId: string;

  /**
   * The body size cap (`callbackMaxBodyBytes`). A route of your own may stop reading after `maxBodyBytes + 1`
   * bytes and pass what it has: the answer is 413 either way.
   */
  readonly maxBodyBytes: number;
  /** How long the built-in route waits for a body (`callbackBodyTimeoutMs`). */
  readonly bodyTimeoutMs: number;
  private readonly urlVerification: boolean;
  /** Rate-limited lines about authenticated deliveries (unknown jobs, an accepted pair in use). */
  private readonly notices: RateLimitedLog;
  /**
   * The event of each verification the verifier remembers (it returns the same object for a delivery that comes
   * again unchanged): a retry is not parsed again. Weak, so it lasts exactly as long as the verifier's entry.
   */
  private readonly events = new WeakMap<VerifiedCallback, MappedCallbackEvent>();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) options: ResolvedWeComBatchOptions,
    private readonly verifier: CallbackVerifier,
    private readonly rejections: CallbackRejections,
    private readonly tracker: JobTracker,
    @Optional() @Inject(WECOM_CALLBACK_ROUTER) private readonly router?: WeComCallbackRouter,
  ) {
    this.corpId = options.corpId;
    this.maxBodyBytes = options.callbackMaxBodyBytes;
    this.bodyTimeoutMs = options.callbackBodyTimeoutMs;
    this.urlVerification = options.callbackUrlVerification;
    this.notices = new RateLimitedLog(this.logger);
  }

  /**
   * Handles one callback request and says what to answer. Never throws for bad input: every refusal is a
   * response (and an event).
   *
   * - `GET` (URL verification: msg_signature, timestamp, nonce, echostr) → 200 with the bare decrypted echostr
   *   as `text/plain` — only within the replay window, and only when the plaintext is the short token WeCom
   *   sends (a captured POST replayed as a GET gets 401, never its plaintext); 403 with
   *   `callbackUrlVerification: false`.
   * - `POST` (event delivery) → 200 with an empty body once the event is recorded (job events follow
   *   asynchronously); events that are not an import job's `batch_job_result` are acknowledged and ignored, and
   *   so is the result of a job with no record (unless `callbackFollowUnknownJobs`).
   * - anything else → 405 with `Allow: GET, POST`.
   *
   * Write `headers` too when the answer has them (`Connection: close` after a body that was not read to its end).
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
   *   res.status(answer.status).type(answer.contentType).set(answer.headers ?? {}).send(answer.body);
   * }
   * ```
   */
  async handleCallback(request: WeComCallbackRequest): Promise<WeComCallbackResponse> {
    const method = callbackMethod(request);
    if (method === undefined) return METHOD_NOT_ALLOWED;
    // With resolveCorp: a delivery for another corp is answered by that corp's own callback service.
    const routed = await this.router?.route(request);
    if (routed) return routed;
    // One span per delivery with its outcome, and the wecom.callback.deliveries metric (no-ops without OTel).
    return WECOM_TELEMETRY.span(SPAN_NAMES.callback, { 'http.request.method': method }, async (span) => {
      const report = (outcome: CallbackOutcome, reason?: string): void => {
        span.set({ 'wecom.callback.outcome': outcome, 'wecom.callback.reason': reason });
        WECOM_TELEMETRY.callbackDelivery(outcome, reason);
      };
      try {
        if (method === 'GET') {
          const answer = this.verifyUrl(request);
          report('verified');
          return answer;
        }
        return await this.receive(request, report);
      } catch (error) {
        if (error instanceof WeComCallbackRejectedError) {
          report('rejected', error.reason);
          return this.rejections.reject(error, method, request.remoteAddress);
        }
        throw error;
      }
    });
  }

  /** GET: the URL verification echo. */
  private verifyUrl(request: WeComCallbackRequest): WeComCallbackResponse {
    this.verifier.assertConfigured();
    if (!this.urlVerification) {
      throw new WeComCallbackRejectedError(
        'url_verification_disabled',
        403,
        'URL verification is turned off (callbackUrlVerification: false)',
      );
    }
    const params = readCallbackParams(request.query, GET_PARAMS);
    // Query decoding turns a literal '+' into a space; base64 has no spaces, so they can only be '+'.
    const { message } = this.verifier.verifyUrl(params, params.echostr.replaceAll(' ', '+'));
    return { status: 200, body: message, contentType: CALLBACK_TEXT_PLAIN };
  }

  /** POST: an event delivery. */
  private async receive(
    request: WeComCallbackRequest,
    report: (outcome: CallbackOutcome) => void,
  ): Promise<WeComCallbackResponse> {
    this.verifier.assertConfigured();
    const params = readCallbackParams(request.query, POST_PARAMS);
    const text = readCallbackBodyText(request, this.maxBodyBytes);
    const encrypted = parsed('envelope', () => envelopeOf(request, text).encrypt);
    const verified = this.verifier.verifyDelivery(params, encrypted);
    const event = this.events.get(verified) ?? this.mapEvent(verified);
    if (event.kind === 'ignored') {
      this.logger.verbose(`ignored ${event.description}`);
      report('ignored');
      return OK_EMPTY;
    }
    let acceptance: CallbackAcceptance;
    try {
      acceptance = await this.tracker.acceptCallback(event.callback);
    } catch (error) {
      throw new WeComCallbackRejectedError(
        'store_unavailable',
        503,
        // No job id: decrypted content stays out of logs and events.
        `the callback could not be recorded (${errorName(error)}); WeCom will deliver it again`,
        { cause: error },
      );
    }
    report(callbackOutcomeOf(acceptance));
    this.reportAcceptance(acceptance, verified);
    return OK_EMPTY;
  }

  /** The event of a verified delivery, kept for as long as the verification is (frozen: later hits share it). */
  private mapEvent(verified: VerifiedCallback): MappedCallbackEvent {
    const event = freezeDeep(parsed('event', () => mapBatchJobEvent(verified.message, this.corpId)));
    this.events.set(verified, event);
    return event;
  }

  /**
   * Says which key pair verified a delivery (fingerprint only) and what became of it; the lines an authenticated
   * but unusual delivery causes are rate-limited, one per kind and window. No job id: it is decrypted content.
   */
  private reportAcceptance(acceptance: CallbackAcceptance, verified: VerifiedCallback): void {
    const usual = verified.keyIndex === 0 && (acceptance === 'followed' || acceptance === 'duplicate');
    // The usual case (a known job, the current pair) writes at most a verbose line: build it only when that level
    // is on — WeCom's retries of a delivery come here by the hundred in a flood.
    if (usual && !Logger.isLevelEnabled('verbose')) return;
    const pair = verified.keyIndex === 0 ? 'the current pair' : `accepted pair #${verified.keyIndex}`;
    const key = `key ${verified.keyFingerprint} (${pair})`;
    if (acceptance === 'unknown_ignored') {
      this.notices.write(
        'warn',
        acceptance,
        `acknowledged a batch_job_result verified with ${key} for a job with no record (not submitted by this module, or older than jobRecordTtlSeconds) without following it; set callbackFollowUnknownJobs to follow such jobs`,
      );
    } else if (acceptance === 'unknown_over_cap') {
      this.notices.write(
        'warn',
        acceptance,
        `acknowledged a batch_job_result for a job with no record and dropped it: ${MAX_UNKNOWN_JOBS_FOLLOWED} such jobs are followed already`,
      );
    } else if (verified.keyIndex > 0) {
      this.notices.write('log', `key:${verified.keyFingerprint}`, `deliveries are verified with ${key}`);
    }
    this.logger.verbose(`callback ${acceptance}, verified with ${key}`);
  }
}

/** The answer to a method other than GET and POST (with the `Allow` header RFC 9110 asks of a 405). */
const METHOD_NOT_ALLOWED: WeComCallbackResponse = Object.freeze({
  status: 405,
  body: 'method not allowed: use GET or POST',
  contentType: CALLBACK_TEXT_PLAIN,
  headers: Object.freeze({ Allow: 'GET, POST' }),
});

/** The telemetry outcome of what the tracker did with a verified callback. */
function callbackOutcomeOf(acceptance: CallbackAcceptance): CallbackOutcome {
  if (acceptance === 'duplicate') return 'duplicate';
  if (acceptance === 'unknown_ignored' || acceptance === 'unknown_over_cap') return 'ignored';
  return 'accepted';
}

/** Runs a parse of `part`, turning the parser's neutral format error into the 400 rejection. */
function parsed<T>(part: CallbackXmlPart, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof XmlFormatError) throw malformedXmlRejection(error, part);
    throw error;
  }
}
