import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobTracker } from '../batch/tracking/job-tracker.service.js';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { errorName } from '../internal/safe-error.util.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { mapBatchJobEvent } from './batch-job-event.mapper.js';
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
import { CallbackVerifier } from './callback-verifier.service.js';
import { readEncryptedField } from './envelope.parser.js';
import { XmlFormatError } from './xml-format.error.js';

const OK_EMPTY: WeComCallbackResponse = Object.freeze({ status: 200, body: '', contentType: CALLBACK_TEXT_PLAIN });

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
  private readonly corpId: string;

  /**
   * The body size cap (`callbackMaxBodyBytes`). A route of your own may stop reading after `maxBodyBytes + 1`
   * bytes and pass what it has: the answer is 413 either way.
   */
  readonly maxBodyBytes: number;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) options: ResolvedWeComBatchOptions,
    private readonly verifier: CallbackVerifier,
    private readonly rejections: CallbackRejections,
    private readonly tracker: JobTracker,
  ) {
    this.corpId = options.corpId;
    this.maxBodyBytes = options.callbackMaxBodyBytes;
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
    const method = callbackMethod(request);
    if (method === undefined) {
      return { status: 405, body: 'method not allowed: use GET or POST', contentType: CALLBACK_TEXT_PLAIN };
    }
    try {
      return method === 'GET' ? this.verifyUrl(request) : await this.receive(request);
    } catch (error) {
      if (error instanceof WeComCallbackRejectedError) {
        return this.rejections.reject(error, method, request.remoteAddress);
      }
      throw error;
    }
  }

  /** GET: the URL verification echo. */
  private verifyUrl(request: WeComCallbackRequest): WeComCallbackResponse {
    this.verifier.assertConfigured();
    const params = readCallbackParams(request.query, GET_PARAMS);
    // Query decoding turns a literal '+' into a space; base64 has no spaces, so they can only be '+'.
    const { message } = this.verifier.verifyUrl(params, params.echostr.replaceAll(' ', '+'));
    return { status: 200, body: message, contentType: CALLBACK_TEXT_PLAIN };
  }

  /** POST: an event delivery. */
  private async receive(request: WeComCallbackRequest): Promise<WeComCallbackResponse> {
    this.verifier.assertConfigured();
    const params = readCallbackParams(request.query, POST_PARAMS);
    const text = readCallbackBodyText(request, this.maxBodyBytes);
    const encrypted = parsed('envelope', () => readEncryptedField(text));
    const { message } = this.verifier.verifyDelivery(params, encrypted);
    const event = parsed('event', () => mapBatchJobEvent(message, this.corpId));
    if (event.kind === 'ignored') {
      this.logger.debug(`ignored ${event.description}`);
      return OK_EMPTY;
    }
    try {
      await this.tracker.acceptCallback(event.callback);
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
