import { createCipheriv, createDecipheriv, hash, randomBytes, timingSafeEqual, type Decipher } from 'node:crypto';
import { WECOM_CRYPTO_ERROR_CODES as CODES, WeComCryptoError } from '../errors/wecom-crypto.error.js';

/** Keys of one callback receiver. */
export interface WeComCryptoOptions {
  /** The callback Token (signature key). */
  token: string;
  /** The 43-character EncodingAESKey. */
  encodingAESKey: string;
  /** Expected receiveId at the end of every plaintext: the CorpID for corp callbacks (suite id / "" elsewhere). */
  receiveId: string;
}

/** A decrypted message and the receiveId it carried. */
export interface WeComDecrypted {
  message: string;
  receiveId: string;
}

/** WeCom pads to a multiple of 32 bytes (PKCS#7 with a 32-byte block), not AES's 16. */
const BLOCK = 32;
/** The AES cipher block (CBC chains on it), as opposed to WeCom's 32-byte padding block. */
const AES_BLOCK = 16;
const RANDOM_BYTES = 16;
const HEADER = RANDOM_BYTES + 4;
/** Base64 alphabet then at most two '='; with a length that is a multiple of 4, exactly well-formed base64. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SIGNATURE = /^[0-9a-f]{40}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * WeCom's message crypto (WXBizMsgCrypt) on `node:crypto`: SHA-1 signature over the sorted four strings,
 * AES-256-CBC with IV = key[0..16), PKCS#7 padding to 32-byte blocks, plaintext
 * `random(16) ‖ length(4, big-endian) ‖ message ‖ receiveId`.
 *
 * Strict where the official libraries are lax: every malformed input is a `WeComCryptoError` carrying the
 * official code, and `decrypt` never returns partial plaintext.
 */
export class WeComCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  /**
   * AES-256 in ECB mode with this key, created once and reused for every message: CBC decryption is done as
   * ECB block decryption followed by the CBC XOR below. ECB keeps no state between blocks, and `update()` is
   * only ever given whole blocks (the length is checked first) and `final()` is never called, so the instance
   * stays reusable. This saves creating a cipher context (key schedule included) per message.
   */
  private readonly blockDecipher: Decipher;
  private readonly token: string;
  private readonly receiveId: string;

  constructor(options: WeComCryptoOptions) {
    this.token = options.token;
    this.receiveId = options.receiveId;
    // Parsed once per instance: decoding the key per message would cost as much as the signature.
    const encodingAESKey = options.encodingAESKey;
    if (typeof encodingAESKey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(encodingAESKey)) {
      throw new WeComCryptoError(CODES.ILLEGAL_AES_KEY, 'EncodingAESKey must be 43 characters of [A-Za-z0-9]');
    }
    // Node's base64 decoder is lenient about the non-canonical last character some keys have.
    this.key = Buffer.from(`${encodingAESKey}=`, 'base64');
    if (this.key.length !== 32) {
      throw new WeComCryptoError(CODES.ILLEGAL_AES_KEY, 'EncodingAESKey does not decode to 32 bytes');
    }
    this.iv = this.key.subarray(0, 16);
    this.blockDecipher = createDecipheriv('aes-256-ecb', this.key, null);
    this.blockDecipher.setAutoPadding(false);
  }

  /** `msg_signature` of a message: lowercase hex SHA-1 of token, timestamp, nonce and encrypted, sorted. */
  signature(timestamp: string, nonce: string, encrypted: string): string {
    const parts = [this.token, String(timestamp), String(nonce), String(encrypted)].sort();
    // One-shot: no Hash object per message (every forged delivery of a flood comes here).
    return hash('sha1', parts.join(''), 'hex');
  }

  /** Checks `signature` in constant time. False for anything that is not the right 40 hex characters. */
  verify(signature: string, timestamp: string, nonce: string, encrypted: string): boolean {
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return false;
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypted), 'hex');
    return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  }

  /**
   * Encrypts `message` (UTF-8) for this receiver. `random` (16 bytes) is for reproducible tests only;
   * by default it is cryptographically random.
   */
  encrypt(message: string, random?: Buffer | string): string {
    const prefix = random === undefined ? randomBytes(RANDOM_BYTES) : Buffer.from(random);
    if (prefix.length !== RANDOM_BYTES) {
      throw new WeComCryptoError(CODES.ENCRYPT_AES, `the random prefix must be ${RANDOM_BYTES} bytes`);
    }
    const text = String(message);
    // UTF-8 cannot carry a lone UTF-16 surrogate: it would arrive as U+FFFD. Refuse rather than alter the text.
    if (LONE_SURROGATE.test(text)) {
      throw new WeComCryptoError(CODES.ENCRYPT_AES, 'the message contains a lone UTF-16 surrogate (not valid Unicode)');
    }
    const body = Buffer.from(text, 'utf8');
    const receiveId = Buffer.from(this.receiveId, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length, 0);
    const unpadded = HEADER + body.length + receiveId.length;
    const pad = BLOCK - (unpadded % BLOCK);
    const plain = Buffer.concat([prefix, length, body, receiveId, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  /**
   * Decrypts an `Encrypt` element or an `echostr` and checks the receiveId. Throws a `WeComCryptoError`:
   * -40010 bad base64, -40007 not a whole number of blocks or bad padding, -40008 a length that overruns
   * the plaintext or invalid UTF-8, -40005 a receiveId other than the configured one.
   */
  decrypt(encrypted: string): WeComDecrypted {
    if (typeof encrypted !== 'string' || encrypted.length === 0 || encrypted.length % 4 !== 0) {
      throw new WeComCryptoError(CODES.DECODE_BASE64, 'the encrypted message is not valid base64');
    }
    const data = Buffer.from(encrypted, 'base64');
    // Node's decoder skips invalid characters silently. A canonical encoding re-encodes to itself, which is
    // cheaper to check than the character pattern: only the other inputs pay for the regex.
    if (data.toString('base64') !== encrypted && !BASE64.test(encrypted)) {
      throw new WeComCryptoError(CODES.DECODE_BASE64, 'the encrypted message is not valid base64');
    }
    if (data.length === 0 || data.length % BLOCK !== 0) {
      throw new WeComCryptoError(CODES.DECRYPT_AES, `the ciphertext is not a whole number of ${BLOCK}-byte blocks`);
    }
    let plain: Buffer;
    try {
      plain = this.blockDecipher.update(data);
    } catch {
      throw new WeComCryptoError(CODES.DECRYPT_AES, 'AES decryption failed');
    }
    if (plain.length !== data.length) {
      throw new WeComCryptoError(CODES.DECRYPT_AES, 'AES decryption failed');
    }
    // CBC: each decrypted block is XORed with the previous ciphertext block (the IV for the first one).
    for (let i = 0; i < AES_BLOCK; i++) plain[i] ^= this.iv[i];
    for (let i = AES_BLOCK; i < plain.length; i++) plain[i] ^= data[i - AES_BLOCK];
    const pad = plain[plain.length - 1];
    if (pad < 1 || pad > BLOCK || !isPadding(plain, pad)) {
      throw new WeComCryptoError(CODES.DECRYPT_AES, 'bad PKCS#7 padding');
    }
    const content = plain.subarray(0, plain.length - pad);
    if (content.length < HEADER) {
      throw new WeComCryptoError(CODES.ILLEGAL_BUFFER, 'the plaintext is shorter than its header');
    }
    const length = content.readUInt32BE(RANDOM_BYTES);
    if (length > content.length - HEADER) {
      throw new WeComCryptoError(CODES.ILLEGAL_BUFFER, 'the declared message length overruns the plaintext');
    }
    let message: string;
    let receiveId: string;
    try {
      message = utf8.decode(content.subarray(HEADER, HEADER + length));
      receiveId = utf8.decode(content.subarray(HEADER + length));
    } catch {
      throw new WeComCryptoError(CODES.ILLEGAL_BUFFER, 'the plaintext is not valid UTF-8');
    }
    if (receiveId !== this.receiveId) {
      throw new WeComCryptoError(CODES.VALIDATE_RECEIVE_ID, 'the message is addressed to another receiveId');
    }
    return { message, receiveId };
  }
}

function isPadding(plain: Buffer, pad: number): boolean {
  for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) return false;
  return true;
}
