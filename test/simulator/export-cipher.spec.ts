import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  ExportFileEncryptor,
  encryptExportFile,
  exportAesKey,
  exportCiphertextSize,
} from '../../lib/testing/export-file.cipher.js';
import { EXPORT_KEY, decryptExportFile } from './helpers.js';

// wecom-export-api.md §4, the worked example.
const PLAINTEXT =
  '{"userlist":[{"userid":"zhangsan","name":"张三","department":[1,2],"open_userid":"woAAAA"},' +
  '{"userid":"lisi","name":"李四","department":[2],"open_userid":"woBBBB"}]}';
const CIPHERTEXT_B64 =
  'qKNEBFkBvfNOCE9qEmlUg9FcUqqk2bp1uAvUa95tviCQykQ4AKI0mnu/ApPICr0rdiS1jMNGmI5vnwhdkzOl1oyaRR2fl3jniFiLfdOC4JS26q9' +
  '+bbcsY5L70Q1gcH24z1XXuYcz5cDX+ZoPLLAKKT9pd6Pk7NigHzC/QBZXY5xAAm+O1a6Bl+nmaPEVVAI4WKZK4S5/W8c3v2P/bT0OBSIUnuRLYr' +
  'yWGIHHJ9+gSiNwAe8LOdhgM3kd4gw9HMd3';

describe('export file encryption (simulator side)', () => {
  it('reproduces the documented worked example byte for byte, md5 and size included', () => {
    expect(Buffer.byteLength(PLAINTEXT)).toBe(168);
    const encrypted = encryptExportFile(PLAINTEXT, EXPORT_KEY);
    expect(encrypted.toString('base64')).toBe(CIPHERTEXT_B64);
    expect(encrypted.length).toBe(192);
    expect(createHash('md5').update(encrypted).digest('hex')).toBe('95558193dd516141377fb4f004fb6f37');
    expect(Buffer.from(`${EXPORT_KEY}=`, 'base64').toString('hex')).toBe(
      '2095225cda6f19b383c0a101484b0078e00f02192a1ea34217a835f6df707e0d',
    );
    expect(decryptExportFile(encrypted)).toEqual({ text: PLAINTEXT, pad: 24 });
  });

  it.each([
    [31, 1],
    [16, 16],
    [15, 17],
    [0, 32],
    [64, 32],
    [33, 31],
  ])('pads a %i-byte-remainder plaintext with %i bytes (32-byte PKCS#7)', (remainder, pad) => {
    const text = 'x'.repeat(64 + remainder);
    const encrypted = encryptExportFile(text, EXPORT_KEY);
    expect(encrypted.length).toBe(exportCiphertextSize(text.length));
    expect(encrypted.length).toBe(text.length + pad);
    expect(decryptExportFile(encrypted)).toEqual({ text, pad });
  });

  it('gives the same bytes streamed in any split as in one go, for every length 0…127 (every pad 1…32)', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pads = new Set<number>();
    for (let length = 0; length < 128; length++) {
      // One multi-byte character at the front; `length` counts bytes, so every pad size occurs.
      const ascii = Array.from({ length: Math.max(0, length - 3) }, () => 'ab"\\{}'[random(6)]).join('');
      const text = length >= 3 ? `张${ascii}` : 'x'.repeat(length);
      const whole = encryptExportFile(text, EXPORT_KEY);
      const encryptor = new ExportFileEncryptor(exportAesKey(EXPORT_KEY));
      const bytes = Buffer.from(text);
      const parts: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const next = Math.min(bytes.length, at + 1 + random(40));
        parts.push(encryptor.update(bytes.subarray(at, next)));
        at = next;
      }
      parts.push(encryptor.final());
      expect(Buffer.concat(parts).equals(whole)).toBe(true);
      const { text: back, pad } = decryptExportFile(whole);
      expect(back).toBe(text);
      pads.add(pad);
    }
    expect(pads.size).toBe(32);
  });

  it('refuses a key that is not 43 letters or digits', () => {
    expect(() => encryptExportFile('{}', 'short')).toThrow('43 letters or digits');
    expect(() => encryptExportFile('{}', `${EXPORT_KEY.slice(0, 42)}+`)).toThrow('43 letters or digits');
  });
});
