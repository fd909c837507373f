import { createCipheriv } from 'node:crypto';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/** WeCom pads export files (like its callbacks) to a multiple of 32 bytes, not AES's 16 (RFC 2315 PKCS#7). */
export const EXPORT_PAD_BLOCK = 32;

const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/** True when `key` is a valid `encoding_aeskey`: exactly 43 letters or digits. */
export function isEncodingAesKey(key: unknown): key is string {
  return typeof key === 'string' && ENCODING_AES_KEY.test(key);
}

/** The AES-256 key of an `encoding_aeskey`: base64-decode of the 43 characters plus `=` (32 bytes). */
export function exportAesKey(encodingAesKey: string): Buffer {
  if (!isEncodingAesKey(encodingAesKey)) {
    throw new WeComSimulatorError('encoding_aeskey must be exactly 43 letters or digits');
  }
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

/** Ciphertext size of `plaintextBytes` bytes: the next multiple of 32 strictly above (a full block when aligned). */
export function exportCiphertextSize(plaintextBytes: number): number {
  return (Math.floor(plaintextBytes / EXPORT_PAD_BLOCK) + 1) * EXPORT_PAD_BLOCK;
}

/**
 * Streaming encryption of one export file, the simulator's own implementation of the doc's rule (written apart
 * from the library's decryption, so one cannot hide a bug of the other): AES-256-CBC, IV = the key's first 16
 * bytes, Node's 16-byte auto-padding off and PKCS#7 to a multiple of 32 appended by hand — pad byte p in 1…32,
 * 32 bytes of 0x20 when the plaintext is already aligned.
 */
export class ExportFileEncryptor {
  private readonly cipher: ReturnType<typeof createCipheriv>;
  private length = 0;

  constructor(aesKey: Buffer) {
    if (aesKey.length !== 32) throw new WeComSimulatorError('the export AES key must be 32 bytes');
    this.cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    this.cipher.setAutoPadding(false);
  }

  /** Encrypts the next plaintext bytes; returns the ciphertext ready so far (possibly empty). */
  update(plaintext: Buffer | string): Buffer {
    const bytes = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    this.length += bytes.length;
    return this.cipher.update(bytes);
  }

  /** Appends the 32-byte PKCS#7 padding and returns the last ciphertext bytes. */
  final(): Buffer {
    const pad = EXPORT_PAD_BLOCK - (this.length % EXPORT_PAD_BLOCK);
    const tail = this.cipher.update(Buffer.alloc(pad, pad));
    return Buffer.concat([tail, this.cipher.final()]);
  }
}

/** Encrypts a whole export file at once (small documents and tests). */
export function encryptExportFile(plaintext: Buffer | string, encodingAesKey: string): Buffer {
  const encryptor = new ExportFileEncryptor(exportAesKey(encodingAesKey));
  return Buffer.concat([encryptor.update(plaintext), encryptor.final()]);
}
