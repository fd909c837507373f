import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { WeComCryptoError } from '../errors/wecom-crypto.error.js';
import { WeComCrypto } from './wecom-crypto.service.js';

// Whatever reaches `decrypt` from the internet, the only possible failure is a WeComCryptoError (never a
// TypeError/RangeError from a Buffer read, never partial plaintext).

const KEYS = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
};
const crypto = new WeComCrypto(KEYS);

function outcome(encrypted: unknown): 'typed error' | 'decrypted' {
  try {
    const result = crypto.decrypt(encrypted as string);
    // Only reachable with a real ciphertext for this receiver: never a partial or foreign plaintext.
    expect(result.receiveId).toBe(KEYS.receiveId);
    expect(typeof result.message).toBe('string');
    return 'decrypted';
  } catch (error) {
    if (!(error instanceof WeComCryptoError)) throw error;
    expect(error.code).toBeLessThanOrEqual(-40001);
    expect(error.code).toBeGreaterThanOrEqual(-40011);
    return 'typed error';
  }
}

describe('WeComCrypto.decrypt on hostile input', () => {
  it('arbitrary strings only ever yield a WeComCryptoError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 400 }), fc.base64String()), (s) => {
        expect(outcome(s)).toBe('typed error');
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes, base64-encoded (whole 32-byte blocks or not), only ever yield a WeComCryptoError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .integer({ min: 1, max: 12 })
            .chain((blocks) => fc.uint8Array({ minLength: blocks * 32, maxLength: blocks * 32 })),
        ),
        (bytes) => {
          expect(outcome(Buffer.from(bytes).toString('base64'))).toBe('typed error');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('non-string values only ever yield a WeComCryptoError', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        fc.pre(typeof value !== 'string');
        expect(outcome(value)).toBe('typed error');
      }),
      { numRuns: 500 },
    );
  });

  it('a genuine ciphertext with bytes flipped, cut or appended decrypts fully or fails typed — nothing else', () => {
    const genuine = Buffer.from(crypto.encrypt('<xml><Event><![CDATA[batch_job_result]]></Event></xml>'), 'base64');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: genuine.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: -64, max: 64 }),
        (index, mask, resize) => {
          const tampered = Buffer.from(genuine);
          tampered[index] ^= mask;
          const sized =
            resize >= 0
              ? Buffer.concat([tampered, Buffer.alloc(resize, mask)])
              : tampered.subarray(0, tampered.length + resize);
          // A flip in the first AES block only garbles the random prefix and flips one bit further on, which
          // the padding/length/receiveId checks may not notice: the signature is what rejects such forgeries.
          expect(['typed error', 'decrypted']).toContain(outcome(sized.toString('base64')));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the well-formed base64 strings (same as the RFC 4648 grammar)', () => {
    const grammar = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;
    const alphabet = fc.constantFrom(...'ABCabc019+/='.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 16 }), fc.base64String({ maxLength: 64 })), (s) => {
        let code: number | undefined;
        try {
          crypto.decrypt(s);
        } catch (error) {
          code = (error as WeComCryptoError).code;
        }
        // Not base64 → -40010; base64 → decoded, then refused for another reason (or, never here, accepted).
        expect(code === -40010).toBe(!grammar.test(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('verify() never throws and refuses arbitrary signatures', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), fc.string(), fc.string(), (signature, timestamp, nonce, encrypted) => {
        expect(crypto.verify(signature as string, timestamp, nonce, encrypted)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
