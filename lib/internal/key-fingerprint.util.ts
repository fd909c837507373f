import { createHash } from 'node:crypto';

/**
 * A short name for a callback Token + EncodingAESKey pair: `sha256(token \n encodingAESKey)`, first 12 hex digits.
 * Enough to tell a handful of pairs apart in logs and job records, useless for recovering either key (48 bits of a
 * hash of 43+ random characters). Used by job records (which pair a job was submitted with) and by the callback
 * route (which pair verified a delivery), so the two can be compared across a key rotation.
 */
export function callbackKeyFingerprint(pair: { token: string; encodingAESKey: string }): string {
  return createHash('sha256').update(`${pair.token}\n${pair.encodingAESKey}`).digest('hex').slice(0, 12);
}
