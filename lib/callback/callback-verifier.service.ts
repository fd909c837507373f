import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { WECOM_CRYPTO_ERROR_CODES, WeComCryptoError } from '../errors/wecom-crypto.error.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WeComCrypto } from './wecom-crypto.service.js';

/** One callback Token + EncodingAESKey pair a delivery may be signed and encrypted with. */
export interface CallbackKeyPair {
  token: string;
  encodingAESKey: string;
}

/** The signed query parameters of a delivery (POST) or of the URL verification (GET, with `echostr`). */
export interface SignedCallbackParams {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

/** A delivery whose signature matched one of the key pairs, decrypted with that pair. */
export interface VerifiedCallback {
  /** The decrypted message (the event XML, or the bare echostr on GET). */
  message: string;
  /** Which pair matched: its position in the list, the current pair being 0. */
  keyIndex: number;
  /** A short SHA-256 fingerprint of the pair that matched: names it in logs without revealing it. */
  keyFingerprint: string;
}

/**
 * The key pairs the callback route verifies deliveries with, the current pair first. Today that is just the
 * `callback` option; further pairs (e.g. a previous pair during rotation) are appended to this list.
 */
export function callbackKeyPairs(options: ResolvedWeComBatchOptions): CallbackKeyPair[] {
  const callback = options.callback;
  return callback ? [{ token: callback.token, encodingAESKey: callback.encodingAESKey }] : [];
}

/** `sha256(token \n encodingAESKey)`, first 12 hex digits: enough to tell pairs apart, useless to an attacker. */
export function keyPairFingerprint(pair: CallbackKeyPair): string {
  return createHash('sha256').update(`${pair.token}\n${pair.encodingAESKey}`).digest('hex').slice(0, 12);
}

/**
 * The key pairs, each with its `WeComCrypto` (every AES key decoded once, not per message). Finds the pair a
 * delivery was signed with — the first match wins, so the current pair is tried first — and decrypts with it.
 */
export class CallbackKeyring {
  private readonly entries: ReadonlyArray<{ crypto: WeComCrypto; fingerprint: string }>;

  constructor(pairs: readonly CallbackKeyPair[], receiveId: string) {
    this.entries = pairs.map((pair) => ({
      crypto: new WeComCrypto({ token: pair.token, encodingAESKey: pair.encodingAESKey, receiveId }),
      fingerprint: keyPairFingerprint(pair),
    }));
  }

  /** How many pairs there are (0: callbacks are not configured). */
  get size(): number {
    return this.entries.length;
  }

  /** Index of the first pair whose token signs `encrypted` as `params` say (constant-time compare), or -1. */
  match(params: SignedCallbackParams, encrypted: string): number {
    return this.entries.findIndex(({ crypto }) =>
      crypto.verify(params.msg_signature, params.timestamp, params.nonce, encrypted),
    );
  }

  /**
   * Decrypts `encrypted` with pair `index` (as returned by {@link match}).
   *
   * @throws WeComCryptoError as `WeComCrypto.decrypt` does (bad base64, padding, length, receiveId).
   */
  decrypt(index: number, encrypted: string): VerifiedCallback {
    const { crypto, fingerprint } = this.entries[index];
    return { message: crypto.decrypt(encrypted).message, keyIndex: index, keyFingerprint: fingerprint };
  }
}

/**
 * Authenticates callback deliveries: the constant-time SHA-1 signature against each key pair in turn (the first
 * match wins), the replay window (POST only), then decryption with the matching pair (receiveId = corpId).
 * Every failure is a `WeComCallbackRejectedError` the callback service turns into the answer.
 */
@Injectable()
export class CallbackVerifier {
  private readonly keyring: CallbackKeyring;
  private readonly replayWindowSeconds: number;

  constructor(@Inject(WECOM_BATCH_RESOLVED_OPTIONS) options: ResolvedWeComBatchOptions) {
    this.replayWindowSeconds = options.callbackReplayWindowSeconds;
    this.keyring = new CallbackKeyring(callbackKeyPairs(options), options.corpId);
  }

  /**
   * Refuses with `not_configured` (404) when there is no key pair at all, before anything else is looked at.
   *
   * @throws WeComCallbackRejectedError
   */
  assertConfigured(): void {
    if (this.keyring.size === 0) {
      throw new WeComCallbackRejectedError(
        'not_configured',
        404,
        'WeCom callbacks are not configured: set the `callback` option (url, token, encodingAESKey) of WeComBatchModule',
      );
    }
  }

  /**
   * GET, WeCom's URL verification: signature and decryption of `echostr`. No replay window: WeCom signs it when
   * the URL is saved, and answering a replay reveals nothing and changes nothing.
   *
   * @throws WeComCallbackRejectedError `not_configured`, `bad_signature`, `decrypt_failed`, `wrong_receiver`.
   */
  verifyUrl(params: SignedCallbackParams, echostr: string): VerifiedCallback {
    const index = this.matchingKey(params, echostr);
    if (index < 0) {
      throw new WeComCallbackRejectedError('bad_signature', 401, 'URL verification: the signature does not match');
    }
    return this.decrypt(index, echostr);
  }

  /**
   * POST, an event delivery: signature, then the replay window (`callbackReplayWindowSeconds`, both
   * directions), then decryption of the envelope's `Encrypt` text.
   *
   * @throws WeComCallbackRejectedError `not_configured`, `bad_signature`, `stale_timestamp`, `decrypt_failed`,
   * `wrong_receiver`.
   */
  verifyDelivery(params: SignedCallbackParams, encrypted: string): VerifiedCallback {
    const index = this.matchingKey(params, encrypted);
    if (index < 0) throw new WeComCallbackRejectedError('bad_signature', 401, 'the signature does not match');
    const skew = Math.floor(Date.now() / 1000) - Number(params.timestamp);
    if (Math.abs(skew) > this.replayWindowSeconds) {
      throw new WeComCallbackRejectedError(
        'stale_timestamp',
        401,
        `the timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'} (window ±${this.replayWindowSeconds} s)`,
      );
    }
    return this.decrypt(index, encrypted);
  }

  private matchingKey(params: SignedCallbackParams, encrypted: string): number {
    this.assertConfigured();
    return this.keyring.match(params, encrypted);
  }

  private decrypt(index: number, encrypted: string): VerifiedCallback {
    try {
      return this.keyring.decrypt(index, encrypted);
    } catch (error) {
      if (!(error instanceof WeComCryptoError)) throw error;
      if (error.code === WECOM_CRYPTO_ERROR_CODES.VALIDATE_RECEIVE_ID) {
        throw new WeComCallbackRejectedError('wrong_receiver', 401, 'the message is addressed to another CorpID');
      }
      throw new WeComCallbackRejectedError('decrypt_failed', 401, `the message cannot be decrypted: ${error.message}`);
    }
  }
}
