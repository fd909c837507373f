import type { CallbackRejectionReason } from '../model/callback-rejection.types.js';

/**
 * Payload of `wecom.batch.callback.rejected`, for monitoring forged or malformed deliveries.
 * Carries no secret and no decrypted content.
 */
export class CallbackRejectedEvent {
  reason!: CallbackRejectionReason;
  /** The HTTP status answered to the caller. */
  status!: number;
  /** `GET` (URL verification) or `POST` (event delivery). */
  method!: 'GET' | 'POST';
  /** A short, secret-free description. */
  detail?: string;
  /** The remote address, when the adapter exposes it. */
  remoteAddress?: string;
  /** The corp whose route refused it, and the registration's `name` (absent for the unnamed registration). */
  corpId?: string;
  registration?: string;
  at!: Date;

  constructor(init: CallbackRejectedEvent) {
    Object.assign(this, init);
  }
}
