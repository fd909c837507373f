import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import {
  CallbackKeyring,
  CallbackVerifier,
  keyPairFingerprint,
  type CallbackKeyPair,
} from './callback-verifier.service.js';
import { RecentVerifications } from './recent-verifications.cache.js';
import { WeComCrypto } from './wecom-crypto.service.js';

const CORP = 'wx5823bf96d3bd56c7';
const CURRENT: CallbackKeyPair = { token: 'QDG6eK', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const PREVIOUS: CallbackKeyPair = { token: 'OldTok3n', encodingAESKey: 'a'.repeat(42) + 'A' };

/** A delivery signed and encrypted with `pair`, timestamped `offset` seconds from now. */
function signed(pair: CallbackKeyPair, message: string, offset = 0, receiveId = CORP) {
  const crypto = new WeComCrypto({ ...pair, receiveId });
  const encrypted = crypto.encrypt(message);
  const timestamp = String(Math.floor(Date.now() / 1000) + offset);
  return { params: { msg_signature: crypto.signature(timestamp, '9', encrypted), timestamp, nonce: '9' }, encrypted };
}

function verifier(overrides: { callbackReplayWindowSeconds?: number; withCallback?: boolean } = {}) {
  return new CallbackVerifier(
    resolveWeComBatchOptions({
      corpId: CORP,
      corpSecret: 'secret',
      callback: overrides.withCallback === false ? undefined : { url: 'http://127.0.0.1/cb', ...CURRENT },
      callbackReplayWindowSeconds: overrides.callbackReplayWindowSeconds,
    }),
  );
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeComCallbackRejectedError);
    return (error as WeComCallbackRejectedError).reason;
  }
  throw new Error('expected a rejection');
}

describe('CallbackKeyring (a list of key pairs)', () => {
  const ring = new CallbackKeyring([CURRENT, PREVIOUS], CORP);

  it('finds the pair a delivery was signed with, first match first, and decrypts with that pair', () => {
    const current = signed(CURRENT, '<xml>now</xml>');
    const previous = signed(PREVIOUS, '<xml>before</xml>');
    expect(ring.match(current.params, current.encrypted)).toBe(0);
    expect(ring.match(previous.params, previous.encrypted)).toBe(1);
    expect(ring.decrypt(1, previous.encrypted)).toEqual({
      message: '<xml>before</xml>',
      keyIndex: 1,
      keyFingerprint: keyPairFingerprint(PREVIOUS),
    });
  });

  it('matches nothing for a token outside the list', () => {
    const stranger = signed({ token: 'nobody', encodingAESKey: CURRENT.encodingAESKey }, '<xml/>');
    expect(ring.match(stranger.params, stranger.encrypted)).toBe(-1);
  });

  it('fingerprints tell pairs apart and reveal neither the token nor the key', () => {
    const [a, b] = [keyPairFingerprint(CURRENT), keyPairFingerprint(PREVIOUS)];
    expect(a).toMatch(/^[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    for (const part of [CURRENT.token, CURRENT.encodingAESKey.slice(0, 8)]) expect(a).not.toContain(part);
  });
});

describe('CallbackVerifier', () => {
  it('verifies, checks the window and decrypts a delivery; says which pair it was', () => {
    const d = signed(CURRENT, '<xml>ok</xml>');
    expect(verifier().verifyDelivery(d.params, d.encrypted)).toEqual({
      message: '<xml>ok</xml>',
      keyIndex: 0,
      keyFingerprint: keyPairFingerprint(CURRENT),
    });
  });

  it('refuses a wrong signature before looking at the timestamp, then a stale one, in both directions', () => {
    const stale = signed(CURRENT, '<xml/>', -400);
    expect(
      reasonOf(() => verifier().verifyDelivery({ ...stale.params, msg_signature: 'f'.repeat(40) }, stale.encrypted)),
    ).toBe('bad_signature');
    expect(reasonOf(() => verifier().verifyDelivery(stale.params, stale.encrypted))).toBe('stale_timestamp');
    const future = signed(CURRENT, '<xml/>', 70);
    expect(
      reasonOf(() => verifier({ callbackReplayWindowSeconds: 60 }).verifyDelivery(future.params, future.encrypted)),
    ).toBe('stale_timestamp');
  });

  it('applies the replay window to GET too (URL verification)', () => {
    const fresh = signed(CURRENT, '1616140317555161061');
    expect(verifier().verifyUrl(fresh.params, fresh.encrypted).message).toBe('1616140317555161061');
    const old = signed(CURRENT, '1616140317555161061', -100_000);
    expect(reasonOf(() => verifier().verifyUrl(old.params, old.encrypted))).toBe('stale_timestamp');
  });

  it('answers a GET only an echostr-like plaintext: a captured POST replayed as a GET is refused', () => {
    for (const plaintext of ['<xml><ToUserName>x</ToUserName></xml>', 'a b', 'x'.repeat(129), '张三']) {
      const replayed = signed(CURRENT, plaintext);
      expect(reasonOf(() => verifier().verifyUrl(replayed.params, replayed.encrypted))).toBe('unexpected_echostr');
    }
    for (const plaintext of ['5927782489442352469', 'abc_DEF-1.2+/=']) {
      const ok = signed(CURRENT, plaintext);
      expect(verifier().verifyUrl(ok.params, ok.encrypted).message).toBe(plaintext);
    }
  });

  it('refuses a message for another CorpID, an undecryptable one, and answers not_configured without keys', () => {
    const other = signed(CURRENT, '<xml/>', 0, 'wwOtherCorp');
    expect(reasonOf(() => verifier().verifyDelivery(other.params, other.encrypted))).toBe('wrong_receiver');
    const d = signed(CURRENT, '<xml/>');
    const garbage = 'QUJD' + d.encrypted.slice(4);
    const crypto = new WeComCrypto({ ...CURRENT, receiveId: CORP });
    const params = { ...d.params, msg_signature: crypto.signature(d.params.timestamp, '9', garbage) };
    expect(reasonOf(() => verifier().verifyDelivery(params, garbage))).toBe('decrypt_failed');
    expect(reasonOf(() => verifier({ withCallback: false }).verifyDelivery(d.params, d.encrypted))).toBe(
      'not_configured',
    );
  });

  describe('a delivery that arrives again unchanged (a retry, a replay)', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('gets the same verification without the signature and AES work', () => {
      const v = verifier();
      const d = signed(CURRENT, '<xml>again</xml>');
      const first = v.verifyDelivery(d.params, d.encrypted);
      const verify = jest.spyOn(WeComCrypto.prototype, 'verify');
      const decrypt = jest.spyOn(WeComCrypto.prototype, 'decrypt');
      expect(v.verifyDelivery({ ...d.params }, `${d.encrypted}`)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(verify).not.toHaveBeenCalled();
      expect(decrypt).not.toHaveBeenCalled();
    });

    it('is verified anew when anything signed differs: same signature, other nonce, timestamp or Encrypt', () => {
      const v = verifier();
      const d = signed(CURRENT, '<xml>again</xml>');
      v.verifyDelivery(d.params, d.encrypted);
      const other = signed(CURRENT, '<xml>other</xml>');
      expect(reasonOf(() => v.verifyDelivery({ ...d.params, nonce: '8' }, d.encrypted))).toBe('bad_signature');
      const later = String(Number(d.params.timestamp) + 1);
      expect(reasonOf(() => v.verifyDelivery({ ...d.params, timestamp: later }, d.encrypted))).toBe('bad_signature');
      expect(reasonOf(() => v.verifyDelivery(d.params, other.encrypted))).toBe('bad_signature');
    });

    it('still has to be within the replay window', () => {
      const v = verifier({ callbackReplayWindowSeconds: 60 });
      const d = signed(CURRENT, '<xml>again</xml>');
      v.verifyDelivery(d.params, d.encrypted);
      const now = Date.now();
      jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
      expect(reasonOf(() => v.verifyDelivery(d.params, d.encrypted))).toBe('stale_timestamp');
    });
  });
});

describe('RecentVerifications', () => {
  it('keeps at most its capacity, forgetting the oldest first', () => {
    const recent = new RecentVerifications<{ message: string }>(2);
    const entry = (n: number) => ({ msg_signature: `s${n}`, timestamp: '1', nonce: 'n' });
    const verified = (n: number) => ({ message: `m${n}`, keyIndex: 0, keyFingerprint: 'f' });
    for (const n of [1, 2, 3]) recent.remember(entry(n), 'E', verified(n));
    expect(recent.size).toBe(2);
    expect(recent.get(entry(1), 'E')).toBeUndefined();
    expect(recent.get(entry(3), 'E')?.message).toBe('m3');
  });
});
