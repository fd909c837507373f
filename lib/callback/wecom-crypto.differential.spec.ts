import { describe, expect, it } from '@jest/globals';
import { decrypt as officialDecrypt, encrypt as officialEncrypt, getSignature } from '@wecom/crypto';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { WeComCrypto } from './wecom-crypto.service.js';

// Differential test against WeCom's official Node package (@wecom/crypto, a devDependency only): whatever one
// encrypts the other decrypts to the same message and receiveId, and with the same random prefix both produce
// the same ciphertext byte for byte. The official package does not check the receiveId; we compare it here.

const KEYS = [
  // Vector A (official docs).
  { token: 'QDG6eK', encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: 'wx5823bf96d3bd56c7' },
  // Vector C (wechatpy): a non-canonical last base64 character.
  { token: '123456', encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR', receiveId: 'wx49f0ab532d5d035a' },
  // Third-party apps of individual entities use an empty receiveId.
  { token: 'abc', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', receiveId: '' },
];

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...ALNUM.split('')), minLength: min, maxLength: max });
const keysArbitrary = fc.record({
  token: alnum(1, 32),
  encodingAESKey: alnum(43, 43),
  receiveId: fc.oneof(alnum(0, 24), fc.constant('')),
});
const messageArbitrary = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(...'企业微信通讯录同步成员部门张三李四王五'.split('')), maxLength: 100 }),
  fc.constant(''),
);

/** Messages whose byte length puts the padded plaintext on, just before and just after every 32-byte boundary. */
function boundaryMessages(receiveId: string): string[] {
  const fixed = 20 + Buffer.byteLength(receiveId);
  const messages: string[] = [];
  for (let blocks = 1; blocks <= 12; blocks++) {
    for (let delta = -2; delta <= 2; delta++) {
      const length = blocks * 32 - fixed + delta;
      if (length < 0) continue;
      messages.push('x'.repeat(length));
      // The same byte length in 3-byte characters (plus ASCII filler), so lengths count bytes, not characters.
      messages.push('中'.repeat(Math.floor(length / 3)) + 'y'.repeat(length % 3));
    }
  }
  return messages;
}

function roundTrips(keys: (typeof KEYS)[number], message: string): void {
  const ours = new WeComCrypto(keys);
  // Ours → official.
  const fromOurs = officialDecrypt(keys.encodingAESKey, ours.encrypt(message));
  expect([fromOurs.message, fromOurs.id]).toEqual([message, keys.receiveId]);
  // Official → ours.
  expect(ours.decrypt(officialEncrypt(keys.encodingAESKey, message, keys.receiveId))).toEqual({
    message,
    receiveId: keys.receiveId,
  });
  // Same random prefix → the same ciphertext.
  const random = randomBytes(16);
  expect(ours.encrypt(message, random)).toBe(officialEncrypt(keys.encodingAESKey, message, keys.receiveId, random));
}

describe('WeComCrypto vs the official @wecom/crypto', () => {
  it.each(KEYS.map((k) => [k.receiveId || '(empty receiveId)', k] as const))(
    'round-trips both ways around every 32-byte boundary, ASCII and multi-byte (%s)',
    (_name, keys) => {
      for (const message of ['', ...boundaryMessages(keys.receiveId)]) roundTrips(keys, message);
    },
  );

  it('round-trips random ASCII, Unicode and Chinese messages both ways, with random keys', () => {
    fc.assert(
      fc.property(keysArbitrary, messageArbitrary, (keys, message) => {
        roundTrips(keys, message);
      }),
      { numRuns: 300 },
    );
  });

  it('computes the same signatures', () => {
    fc.assert(
      fc.property(
        keysArbitrary,
        fc.integer({ min: 0, max: 2 ** 31 }),
        alnum(1, 16),
        fc.base64String({ minLength: 4, maxLength: 200 }),
        (keys, timestamp, nonce, encrypted) => {
          const ours = new WeComCrypto(keys).signature(String(timestamp), nonce, encrypted);
          expect(ours).toBe(getSignature(keys.token, String(timestamp), nonce, encrypted));
          expect(new WeComCrypto(keys).verify(ours, String(timestamp), nonce, encrypted)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
