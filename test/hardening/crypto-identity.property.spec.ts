import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { WeComCrypto } from '../../lib/callback/wecom-crypto.service.js';
import { WeComCryptoError } from '../../lib/errors/wecom-crypto.error.js';

// encrypt ∘ decrypt is the identity — for any text, any keys and any receiveId — and the signature of what
// encrypt produced always verifies. Lengths cluster around the 32-byte padding blocks, where off-by-one bugs live.

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...ALNUM.split('')), minLength: min, maxLength: max });

const keys = fc.record({
  token: alnum(1, 32),
  encodingAESKey: alnum(43, 43),
  // CorpIDs, suite ids, or "" (third-party apps of individual entities), any Unicode.
  receiveId: fc.oneof(alnum(0, 32), fc.string({ unit: 'binary', maxLength: 24 })),
});

/** Well-formed text: any code point (astral included), CJK, ASCII, and lengths around each 32-byte block. */
const message = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('中', '文', '𠮷', 'a', '\n', '\u0000'), maxLength: 300 }),
  fc
    .integer({ min: 0, max: 8 })
    .chain((blocks) =>
      fc.string({ unit: 'binary-ascii', minLength: Math.max(0, blocks * 32 - 2), maxLength: blocks * 32 + 2 }),
    ),
);

const aesKey = (encodingAESKey: string) => Buffer.from(`${encodingAESKey}=`, 'base64');

describe('WeComCrypto: encrypt ∘ decrypt', () => {
  it('is the identity on any well-formed string, for any keys and receiveId', () => {
    fc.assert(
      fc.property(
        keys,
        message,
        fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), { nil: undefined }),
        (k, text, random) => {
          const crypto = new WeComCrypto(k);
          const encrypted = crypto.encrypt(text, random && Buffer.from(random));
          expect(crypto.decrypt(encrypted)).toEqual({ message: text, receiveId: k.receiveId });
          // A whole number of 32-byte blocks, as WeCom pads.
          expect(Buffer.from(encrypted, 'base64').length % 32).toBe(0);
          const signature = crypto.signature('1700000000', 'nonce', encrypted);
          expect(crypto.verify(signature, '1700000000', 'nonce', encrypted)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on any UTF-16 string: well-formed text round-trips, a lone surrogate is refused (never silently altered)', () => {
    const utf16 = fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    });
    fc.assert(
      fc.property(keys, utf16, (k, text) => {
        const crypto = new WeComCrypto(k);
        const wellFormed = (text as string & { isWellFormed(): boolean }).isWellFormed();
        if (wellFormed) {
          expect(crypto.decrypt(crypto.encrypt(text)).message).toBe(text);
        } else {
          expect(() => crypto.encrypt(text)).toThrow(WeComCryptoError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('each key decrypts only its own messages: another key or another receiveId never yields the text', () => {
    fc.assert(
      fc.property(keys, keys, fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), (a, b, text) => {
        // Compared as AES keys: the 43rd character has 2 unused bits, so 'A'…'D' there give the same key.
        const sameKey = aesKey(a.encodingAESKey).equals(aesKey(b.encodingAESKey));
        fc.pre(!sameKey || a.receiveId !== b.receiveId);
        const encrypted = new WeComCrypto(a).encrypt(text);
        let decrypted: string | undefined;
        try {
          decrypted = new WeComCrypto(b).decrypt(encrypted).message;
        } catch (error) {
          expect(error).toBeInstanceOf(WeComCryptoError);
        }
        // Only the same AES key can produce the plaintext, and then only with the same receiveId.
        if (decrypted !== undefined) expect(sameKey && a.receiveId === b.receiveId).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
