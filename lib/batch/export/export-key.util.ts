import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

/**
 * A fresh `encoding_aeskey` for one export: 43 characters of `[A-Za-z0-9]`, each drawn uniformly with the
 * CSPRNG (`randomInt` rejects biased draws), so the AES key has the full ~256 bits WeCom's format allows.
 */
export function generateExportKey(): string {
  let key = '';
  for (let i = 0; i < 43; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}

/** True for a well-formed `encoding_aeskey`. */
export function isExportKey(value: unknown): value is string {
  return typeof value === 'string' && KEY_PATTERN.test(value);
}

/**
 * The 32-byte AES key of an `encoding_aeskey`: base64-decode(key + "="). Throws a plain Error (caught and
 * reworded by the reader) when the key is malformed; the message never repeats the key.
 */
export function exportAesKey(encodingAesKey: string): Buffer {
  if (!isExportKey(encodingAesKey)) throw new Error('the stored encoding_aeskey is not 43 characters of [A-Za-z0-9]');
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('the stored encoding_aeskey does not decode to 32 bytes');
  return key;
}
