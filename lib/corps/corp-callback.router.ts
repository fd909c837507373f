import { Inject, Injectable } from '@nestjs/common';
import { CALLBACK_TEXT_PLAIN } from '../callback/callback.constants.js';
import type { WeComCallbackRequest, WeComCallbackResponse } from '../callback/callback.types.js';
import { parseStrictXml } from '../callback/strict-xml.parser.js';
import { WeComCallbackService, type WeComCallbackRouter } from '../callback/wecom-callback.service.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { CorpDirectory } from './corp-directory.service.js';

/** A CorpID as WeCom spells them (`ww…`, `wx…`); anything else is not looked up. */
const CORP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Routes a POSTed delivery by the envelope's `ToUserName` (the CorpID, sent in clear) on a registration with
 * `resolveCorp`: the registration's own corp (or an envelope that cannot be read) stays with the registration's
 * callback service; another corp goes to that corp's callback service, which verifies the signature and decrypts
 * with the corp's keys and checks that the decrypted receiveId is that corp — an envelope naming corp B but
 * signed with A's keys is refused there. A corp not served is a 403 without an event (it is not ours to report).
 */
@Injectable()
export class CorpCallbackRouter implements WeComCallbackRouter {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly home: ResolvedWeComBatchOptions,
    @Inject(CorpDirectory) private readonly directory: CorpDirectory,
  ) {}

  async route(request: WeComCallbackRequest): Promise<WeComCallbackResponse | undefined> {
    if (String(request.method).toUpperCase() !== 'POST') return undefined;
    const corpId = this.toUserName(request.body);
    if (corpId === undefined || corpId === this.home.corpId) return undefined;
    const target = await this.directory.callbacksFor(corpId);
    if (target instanceof WeComCallbackService) return target.handleCallback(request);
    return { status: target.status, body: target.reason, contentType: CALLBACK_TEXT_PLAIN };
  }

  /** The envelope's `ToUserName`, or `undefined` when the body is not a readable envelope (the service says why). */
  private toUserName(body: unknown): string | undefined {
    let text: string;
    if (typeof body === 'string') text = body;
    else if (Buffer.isBuffer(body)) text = body.toString('utf8');
    else return undefined;
    if (Buffer.byteLength(text) > this.home.callbackMaxBodyBytes || /<!(?!\[CDATA\[|--)/.test(text)) return undefined;
    try {
      const { root, value } = parseStrictXml(text, { tolerateCommentsAndAttributes: true });
      const to = root === 'xml' && typeof value === 'object' ? value.ToUserName : undefined;
      return typeof to === 'string' && CORP_ID.test(to.trim()) ? to.trim() : undefined;
    } catch {
      return undefined;
    }
  }
}
