import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { CallbackRejectedEvent } from '../events/callback-rejected.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { emitSafely } from '../internal/emit.util.js';
import { describeErrorKind } from '../internal/safe-error.util.js';
import { WECOM_BATCH_EMITTER, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { CALLBACK_REJECTION_HEADER, CALLBACK_TEXT_PLAIN } from './callback.constants.js';
import { RateLimitedLog } from './rate-limited-log.util.js';
import type { WeComCallbackResponse } from './callback.types.js';
import type { XmlFormatError } from './xml-format.error.js';

/** Which XML of a delivery was malformed: the unauthenticated envelope, or the decrypted event. */
export type CallbackXmlPart = 'envelope' | 'event';

const MALFORMED = {
  envelope: { reason: 'malformed_envelope', prefix: 'malformed callback envelope' },
  event: { reason: 'malformed_event', prefix: 'the decrypted event is not well-formed' },
} as const;

/** The 400 rejection for a parser's {@link XmlFormatError} in `part` of a delivery. */
export function malformedXmlRejection(error: XmlFormatError, part: CallbackXmlPart): WeComCallbackRejectedError {
  const { reason, prefix } = MALFORMED[part];
  return new WeComCallbackRejectedError(reason, 400, `${prefix}: ${error.message}`);
}

/**
 * Refusals of a body that was not read to its end: the rest of it must not be read (nor the connection reused),
 * so the answer closes the connection — Node then ends the socket once the answer is out, on Express and Fastify.
 */
const CLOSES_CONNECTION: ReadonlySet<string> = new Set(['body_too_large', 'body_timeout', 'body_unreadable']);

/** The answers to refusals, one per status and reason (a small fixed set), built once: they never change. */
const ANSWERS = new Map<string, WeComCallbackResponse>();

/**
 * The answer to a refusal: its status, an empty body, and the reason in the {@link CALLBACK_REJECTION_HEADER}
 * header. No body, because WeCom reads none, the log line and the event carry the detail, and a body costs a
 * flood of forged deliveries dearly: Node sends a head and a body with a `writev` instead of one `write` — on
 * Fastify a forged delivery cost 88.9 µs of CPU with a body and 73.9 µs without (median of 4 runs each).
 */
function answerTo(reason: string, status: number): WeComCallbackResponse {
  const key = `${status} ${reason}`;
  const known = ANSWERS.get(key);
  if (known !== undefined) return known;
  const headers: Record<string, string> = { [CALLBACK_REJECTION_HEADER]: reason };
  if (CLOSES_CONNECTION.has(reason)) headers.Connection = 'close';
  const answer = Object.freeze({ status, body: '', contentType: CALLBACK_TEXT_PLAIN, headers: Object.freeze(headers) });
  ANSWERS.set(key, answer);
  return answer;
}

/**
 * Reports refused callback deliveries: the answer to write, a `wecom.batch.callback.rejected` event, and at most
 * one log line per reason and interval — so a flood of forged deliveries cannot flood the logs. Never a secret
 * or decrypted content in any of them (rejection messages are written to be safe; of a cause, only its name and
 * code are logged).
 */
@Injectable()
export class CallbackRejections {
  // The service's name: log lines keep the context they always had.
  private readonly logger = new Logger('WeComCallbackService');
  private readonly rateLimited: RateLimitedLog;
  /** Rejection events waiting for the next loop turn. */
  private readonly unannounced: CallbackRejectedEvent[] = [];

  constructor(
    @Inject(WECOM_BATCH_EMITTER) private readonly emitter: EventEmitter2,
    @Optional() @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options?: ResolvedWeComBatchOptions,
  ) {
    this.rateLimited = new RateLimitedLog(this.logger);
  }

  /** Logs and announces `error` (emitted after the answer is written), and returns the answer. */
  reject(error: WeComCallbackRejectedError, method: 'GET' | 'POST', remoteAddress?: string): WeComCallbackResponse {
    this.rateLimited.write(error.status >= 500 ? 'error' : 'warn', error.reason, () => {
      const from = remoteAddress ? ` from ${remoteAddress}` : '';
      // The cause's name and code only: a store error's message may quote keys that contain the (decrypted) job id.
      const cause = error.cause instanceof Error ? ` [${describeErrorKind(error.cause)}]` : '';
      return `refused a WeCom callback ${method}${from}: ${error.reason} (${error.status}) — ${error.message}${cause}`;
    });
    const event = new CallbackRejectedEvent({
      reason: error.reason,
      status: error.status,
      method,
      detail: error.message,
      remoteAddress,
      at: new Date(),
    });
    // Assigned, not spread into the literal above: the conditional spreads cost ~3 µs per refusal (V8's slow
    // object-literal path), more than the rest of a forged delivery's checks together.
    if (this.options) event.corpId = this.options.corpId;
    if (this.options?.registration !== undefined) event.registration = this.options.registration;
    // After the answer is written: a slow synchronous listener must not hold it back. One macrotask for all the
    // refusals of a loop turn, not one each (a flood makes many per turn).
    if (this.unannounced.push(event) === 1) setImmediate(() => this.announce());
    return answerTo(error.reason, error.status);
  }

  private announce(): void {
    for (const event of this.unannounced.splice(0)) {
      emitSafely(this.emitter, this.logger, WECOM_BATCH_EVENTS.CALLBACK_REJECTED, event);
    }
  }
}
