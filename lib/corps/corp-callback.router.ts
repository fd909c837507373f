import { Inject, Injectable } from '@nestjs/common';
import { CALLBACK_TEXT_PLAIN } from '../callback/callback.constants.js';
import { readCallbackBodyText } from '../callback/callback-request.checks.js';
import type { WeComCallbackRequest, WeComCallbackResponse } from '../callback/callback.types.js';
import { readEnvelopeAhead } from '../callback/envelope.parser.js';
import { WeComCallbackService, type WeComCallbackRouter } from '../callback/wecom-callback.service.js';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { CorpDirectory } from './corp-directory.service.js';

/** A CorpID as WeCom spells them (`ww…`, `wx…`); anything else is not looked up. */
const CORP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Routes a POSTed delivery by the envelope's `ToUserName` (the CorpID, sent in clear) on a registration with
 * `resolveCorp`: the registration's own corp (or a body its checks refuse, or an envelope that cannot be read)
 * stays with the registration's callback service; another corp goes to that corp's callback service, which
 * verifies the signature and decrypts with the corp's keys and checks that the decrypted receiveId is that corp —
 * an envelope naming corp B but signed with A's keys is refused there. A corp not served is a 403 without an
 * event (it is not ours to report).
 *
 * The envelope is parsed once: the service that handles the delivery, whichever it is, reads `Encrypt` from the
 * parse made here (`readEnvelopeAhead` / `envelopeOf`), so routing adds no parse of the unverified body.
 */
@Injectable()
export class CorpCallbackRouter implements WeComCallbackRouter {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly home: ResolvedWeComBatchOptions,
    @Inject(CorpDirectory) private readonly directory: CorpDirectory,
  ) {}

  async route(request: WeComCallbackRequest): Promise<WeComCallbackResponse | undefined> {
    if (String(request.method).toUpperCase() !== 'POST') return undefined;
    const corpId = this.toUserName(request);
    if (corpId === undefined || corpId === this.home.corpId) return undefined;
    const target = await this.directory.callbacksFor(corpId);
    if (target instanceof WeComCallbackService) return target.handleCallback(request);
    return { status: target.status, body: target.reason, contentType: CALLBACK_TEXT_PLAIN };
  }

  /** The envelope's `ToUserName`, or `undefined` when the body is not a readable envelope (the service says why). */
  private toUserName(request: WeComCallbackRequest): string | undefined {
    let text: string;
    try {
      // The registration's own body checks (content type, size, emptiness), and the text its service parses.
      text = readCallbackBodyText(request, this.home.callbackMaxBodyBytes);
    } catch (error) {
      if (error instanceof WeComCallbackRejectedError) return undefined;
      throw error;
    }
    const to = readEnvelopeAhead(request, text)?.toUserName?.trim();
    return to !== undefined && CORP_ID.test(to) ? to : undefined;
  }
}
