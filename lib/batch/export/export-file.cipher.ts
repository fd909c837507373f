import { createDecipheriv } from 'node:crypto';

/** WeCom pads export files (like callbacks) to a multiple of 32 bytes: PKCS#7 with pad bytes 1…32. */
export const EXPORT_PAD_BLOCK = 32;

/** Slice of ciphertext decrypted per step: small enough that one step never holds the event loop long. */
const SLICE_BYTES = 64 * 1024;

/** Why a ciphertext cannot be an export file. */
export class ExportDecryptError extends Error {}

/**
 * The length of the PKCS#7 padding of an export file, checked BEFORE the file is decrypted as a whole: CBC lets
 * the last 32 bytes be decrypted alone (each block needs only the ciphertext block before it), so a wrong key or
 * a foreign file is refused before any row of it is parsed. 1 ≤ pad ≤ 32 and every pad byte must equal pad —
 * Node's and OpenSSL's default unpadding (16-byte blocks) refuse every pad over 16, about half of WeCom's files.
 */
export function exportPadLength(ciphertext: Buffer, key: Buffer): number {
  const size = ciphertext.length;
  if (size === 0 || size % EXPORT_PAD_BLOCK !== 0) {
    throw new ExportDecryptError(`${size} bytes is not a positive multiple of ${EXPORT_PAD_BLOCK}`);
  }
  // The two last AES blocks, chained from the block before them (or from the IV for a 32-byte file).
  const iv = size === EXPORT_PAD_BLOCK ? key.subarray(0, 16) : ciphertext.subarray(size - 48, size - 32);
  const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  const tail = Buffer.concat([decipher.update(ciphertext.subarray(size - 32)), decipher.final()]);
  const pad = tail[tail.length - 1];
  if (pad < 1 || pad > EXPORT_PAD_BLOCK) throw new ExportDecryptError(`invalid PKCS#7 pad length ${pad}`);
  for (let i = tail.length - pad; i < tail.length; i++) {
    if (tail[i] !== pad) throw new ExportDecryptError('the PKCS#7 pad bytes are not all equal to the pad length');
  }
  return pad;
}

/**
 * Decrypts an export file piece by piece: AES-256-CBC with key = the AES key, IV = its first 16 bytes, no
 * automatic unpadding; the padding checked by {@link exportPadLength} is cut off the end. Yields plaintext
 * slices of about 64 KB, so a caller can yield to the event loop between them.
 */
export function* decryptExportSlices(ciphertext: Buffer, key: Buffer): Generator<Buffer> {
  const plainLength = ciphertext.length - exportPadLength(ciphertext, key);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  let produced = 0;
  for (let offset = 0; offset < ciphertext.length; offset += SLICE_BYTES) {
    const plain = decipher.update(ciphertext.subarray(offset, offset + SLICE_BYTES));
    const keep = Math.min(plain.length, plainLength - produced);
    if (keep > 0) yield keep === plain.length ? plain : plain.subarray(0, keep);
    produced += plain.length;
  }
  decipher.final();
}

/** The whole plaintext of an export file (tests, small files); {@link decryptExportSlices} for large ones. */
export function decryptExportFile(ciphertext: Buffer, key: Buffer): Buffer {
  return Buffer.concat([...decryptExportSlices(ciphertext, key)]);
}
