import { Inject, Injectable } from '@nestjs/common';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { WECOM_CRYPTO_ERROR_CODES, WeComCryptoError } from '../errors/wecom-crypto.error.js';
import { callbackKeyFingerprint } from '../internal/key-fingerprint.util.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { RecentVerifications } from './recent-verifications.cache.js';
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
 * The key pairs the callback route verifies deliveries with: the current pair (`callback.token` /
 * `callback.encodingAESKey`, the one new jobs are submitted with) first, then `callback.acceptedKeys` in the
 * order given (the console's 通讯录同步 pair, the previous pair of a rotation). A pair listed twice is kept once.
 */
export function callbackKeyPairs(options: Pick<ResolvedWeComBatchOptions, 'callback'>): CallbackKeyPair[] {
  const callback = options.callback;
  if (!callback) return [];
  const pairs: CallbackKeyPair[] = [];
  for (const pair of [callback, ...(callback.acceptedKeys ?? [])]) {
    if (!pairs.some((p) => p.token === pair.token && p.encodingAESKey === pair.encodingAESKey)) {
      pairs.push({ token: pair.token, encodingAESKey: pair.encodingAESKey });
    }
  }
  return pairs;
}

/** `sha256(token \n encodingAESKey)`, first 12 hex digits: enough to tell pairs apart, useless to an attacker. */
export function keyPairFingerprint(pair: CallbackKeyPair): string {
  return callbackKeyFingerprint(pair);
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
 * What a decrypted echostr of WeCom's URL verification looks like: the official vectors decrypt to 19 digits
 * (`1616140317555161061`, `5927782489442352469`); the spec says only "a random string". Accepted: 1 to 128
 * characters of letters, digits and `+/=_.-` — no markup, no whitespace. A captured POST's `Encrypt` replayed as
 * a GET decrypts to `<xml>…`, which is refused: the GET answer must never be a decrypted event.
 */
const ECHOSTR_PLAINTEXT = /^[A-Za-z0-9+/=_.-]{1,128}$/;

/**
 * The refusal of every forged delivery, built once: it says nothing about the request, and building an error per
 * refusal cost about 3 µs of each (CPU profile of a forged flood on Fastify). Frozen: every refusal shares it.
 */
const BAD_SIGNATURE = Object.freeze(
  new WeComCallbackRejectedError('bad_signature', 401, 'the signature does not match'),
);

/**
 * Authenticates callback deliveries: the constant-time SHA-1 signature against each key pair in turn (the first
 * match wins), the replay window (GET and POST), then decryption with the matching pair (receiveId = corpId).
 * Every failure is a `WeComCallbackRejectedError` the callback service turns into the answer.
 */
@Injectable()
export class CallbackVerifier {
  private readonly keyring: CallbackKeyring;
  private readonly replayWindowSeconds: number;
  /** Deliveries verified lately: an identical one again (a retry, a replay) skips its SHA-1 and AES work. */
  private readonly recent = new RecentVerifications<VerifiedCallback>();

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
   * GET, WeCom's URL verification: signature, the replay window, decryption of `echostr`, and a check that the
   * plaintext is the short token WeCom sends. A POST's signature is also a valid GET signature (same formula,
   * `echostr` = its `Encrypt`): without the window and the check, anyone who saw one delivery could replay it as
   * a GET and read the decrypted event.
   *
   * @throws WeComCallbackRejectedError `not_configured`, `bad_signature`, `stale_timestamp`, `decrypt_failed`,
   * `wrong_receiver`, `unexpected_echostr`.
   */
  verifyUrl(params: SignedCallbackParams, echostr: string): VerifiedCallback {
    const index = this.matchingKey(params, echostr);
    if (index < 0) {
      throw new WeComCallbackRejectedError('bad_signature', 401, 'URL verification: the signature does not match');
    }
    this.assertFresh(params);
    const verified = this.decrypt(index, echostr);
    if (!ECHOSTR_PLAINTEXT.test(verified.message)) {
      // Says nothing about the plaintext (not even its length): it may be a captured event.
      throw new WeComCallbackRejectedError(
        'unexpected_echostr',
        401,
        'URL verification: the decrypted echostr is not a WeCom verification token',
      );
    }
    return verified;
  }

  /**
   * POST, an event delivery: signature, then the replay window (`callbackReplayWindowSeconds`, both
   * directions), then decryption of the envelope's `Encrypt` text. A delivery verified lately and arriving again
   * unchanged gets the same (frozen) result without the signature and decryption work; the window is checked
   * every time.
   *
   * @throws WeComCallbackRejectedError `not_configured`, `bad_signature`, `stale_timestamp`, `decrypt_failed`,
   * `wrong_receiver`.
   */
  verifyDelivery(params: SignedCallbackParams, encrypted: string): VerifiedCallback {
    const known = this.recent.get(params, encrypted);
    if (known !== undefined) {
      this.assertFresh(params);
      return known;
    }
    const index = this.matchingKey(params, encrypted);
    if (index < 0) throw BAD_SIGNATURE;
    this.assertFresh(params);
    return this.recent.remember(params, encrypted, this.decrypt(index, encrypted));
  }

  /** The replay window: `timestamp` within ±`callbackReplayWindowSeconds` of now. */
  private assertFresh(params: SignedCallbackParams): void {
    const skew = Math.floor(Date.now() / 1000) - Number(params.timestamp);
    if (Math.abs(skew) > this.replayWindowSeconds) {
      throw new WeComCallbackRejectedError(
        'stale_timestamp',
        401,
        `the timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'} (window ±${this.replayWindowSeconds} s)`,
      );
    }
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
