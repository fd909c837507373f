import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';

/** Query parameters WeCom puts on every callback request. */
export interface WeComCallbackQuery {
  msg_signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  echostr?: unknown;
}

/**
 * Verifies and processes WeCom callback requests. The built-in controller delegates here; apps that turn
 * the controller off (`registerCallbackController: false`) call these methods from their own route.
 */
@Injectable()
export class WeComCallbackService {
  constructor(@Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions) {}

  /** Answers WeCom's URL verification (GET): the decrypted `echostr`. */
  verifyUrl(query: WeComCallbackQuery): string {
    requireParams(query, ['msg_signature', 'timestamp', 'nonce', 'echostr']);
    throw new BadRequestException('callback verification is not implemented yet');
  }
}

function requireParams(query: WeComCallbackQuery, names: (keyof WeComCallbackQuery)[]): void {
  const missing = names.filter((n) => typeof query?.[n] !== 'string' || query[n] === '');
  if (missing.length > 0) throw new BadRequestException(`missing query parameters: ${missing.join(', ')}`);
}
