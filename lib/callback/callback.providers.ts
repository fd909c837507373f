import type { Provider } from '@nestjs/common';
import { CallbackKeyAudit } from './callback-key-audit.service.js';
import { CallbackRejections } from './callback-rejections.service.js';
import { CallbackVerifier } from './callback-verifier.service.js';
import { FastifyCallbackBodyParsers } from './fastify-body-parsers.service.js';
import { WeComCallbackService } from './wecom-callback.service.js';

/**
 * The callback pipeline's providers, registered by `WeComBatchModule`. Each is a class, so a Nest testing module
 * can replace one (`overrideProvider(CallbackVerifier)`) without rebuilding the others.
 */
export const CALLBACK_PROVIDERS: Provider[] = [
  CallbackVerifier,
  CallbackRejections,
  WeComCallbackService,
  FastifyCallbackBodyParsers,
  CallbackKeyAudit,
];
