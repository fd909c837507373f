import { describe, expect, it } from '@jest/globals';
import { createCipheriv, createHash } from 'node:crypto';
import { decryptExportFile, ExportDecryptError, exportPadLength } from './export-file.cipher.js';
import { exportAesKey, generateExportKey, isExportKey } from './export-key.util.js';

// The worked example of the export protocol (§4): the documented sample key, a made-up plaintext encrypted by
// the rule (32-byte PKCS#7), checked with `openssl enc -d -aes-256-cbc -nopad`.
const EXAMPLE = {
  encodingAesKey: 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2',
  keyHex: '2095225cda6f19b383c0a101484b0078e00f02192a1ea34217a835f6df707e0d',
  plaintext:
    '{"userlist":[{"userid":"zhangsan","name":"张三","department":[1,2],"open_userid":"woAAAA"},' +
    '{"userid":"lisi","name":"李四","department":[2],"open_userid":"woBBBB"}]}',
  ciphertext:
    'qKNEBFkBvfNOCE9qEmlUg9FcUqqk2bp1uAvUa95tviCQykQ4AKI0mnu/ApPICr0rdiS1jMNGmI5vnwhdkzOl1oyaRR2fl3jniFiLfdOC4JS2' +
    '6q9+bbcsY5L70Q1gcH24z1XXuYcz5cDX+ZoPLLAKKT9pd6Pk7NigHzC/QBZXY5xAAm+O1a6Bl+nmaPEVVAI4WKZK4S5/W8c3v2P/bT0OBSI' +
    'UnuRLYryWGIHHJ9+gSiNwAe8LOdhgM3kd4gw9HMd3',
  md5: '95558193dd516141377fb4f004fb6f37',
};

/** Encrypts like WeCom: AES-256-CBC, IV = key[0..16], PKCS#7 to a multiple of 32 (written out, no auto padding). */
function encrypt(plain: Buffer, key: Buffer): Buffer {
  const pad = 32 - (plain.length % 32);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]);
}

describe('export file decryption (AES-256-CBC, 32-byte PKCS#7)', () => {
  const key = exportAesKey(EXAMPLE.encodingAesKey);

  it('derives the documented AES key from the documented encoding_aeskey', () => {
    expect(key.toString('hex')).toBe(EXAMPLE.keyHex);
  });

  it('decrypts the worked example byte for byte (168 bytes + 24 × 0x18)', () => {
    const ciphertext = Buffer.from(EXAMPLE.ciphertext, 'base64');
    expect(ciphertext.length).toBe(192);
    expect(createHash('md5').update(ciphertext).digest('hex')).toBe(EXAMPLE.md5);
    expect(exportPadLength(ciphertext, key)).toBe(24);
    const plain = decryptExportFile(ciphertext, key);
    expect(plain.length).toBe(168);
    expect(plain.equals(Buffer.from(EXAMPLE.plaintext, 'utf8'))).toBe(true);
    // And encrypting the plaintext by the rule gives the documented ciphertext.
    expect(encrypt(plain, key).toString('base64')).toBe(EXAMPLE.ciphertext);
  });

  it.each([1, 16, 17, 32])('strips a pad of %i bytes (Node’s 16-byte unpadding would refuse pads over 16)', (pad) => {
    const plain = Buffer.from('{"department":[]}'.padEnd(64 - pad, ' '));
    expect(plain.length % 32).toBe((32 - pad) % 32);
    const ciphertext = encrypt(plain, key);
    expect(ciphertext.length % 32).toBe(0);
    expect(exportPadLength(ciphertext, key)).toBe(pad);
    expect(decryptExportFile(ciphertext, key).equals(plain)).toBe(true);
  });

  it('decrypts a file over many 64 KB slices, the pad cut at the very end', () => {
    const plain = Buffer.alloc(200_001, 'x');
    expect(decryptExportFile(encrypt(plain, key), key).equals(plain)).toBe(true);
  });

  it('refuses a bad pad before decrypting the file: wrong key, pad 0 or 33, unequal pad bytes, bad length', () => {
    const ciphertext = encrypt(Buffer.from('{"userlist":[]}'), key);
    const otherKey = exportAesKey('A'.repeat(43)); // fixed: a random key has a 1-in-256 chance of a valid pad 1
    expect(() => exportPadLength(ciphertext, otherKey)).toThrow(ExportDecryptError);
    const rawCipher = (padded: Buffer) => {
      const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([c.update(padded), c.final()]);
    };
    const body = Buffer.alloc(31, 0x61);
    expect(() => exportPadLength(rawCipher(Buffer.concat([body, Buffer.from([0])])), key)).toThrow('pad length 0');
    expect(() => exportPadLength(rawCipher(Buffer.concat([body, Buffer.from([33])])), key)).toThrow('pad length 33');
    const uneven = Buffer.concat([Buffer.alloc(28, 0x61), Buffer.from([3, 4, 4, 4])]);
    expect(() => exportPadLength(rawCipher(uneven), key)).toThrow('not all equal');
    expect(() => exportPadLength(ciphertext.subarray(0, 16), key)).toThrow('multiple of 32');
    expect(() => exportPadLength(Buffer.alloc(0), key)).toThrow('multiple of 32');
  });
});

describe('export keys', () => {
  it('are 43 characters of [A-Za-z0-9], fresh each time, and decode to 32 bytes', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateExportKey()));
    expect(keys.size).toBe(200);
    for (const k of keys) {
      expect(k).toMatch(/^[A-Za-z0-9]{43}$/);
      expect(exportAesKey(k)).toHaveLength(32);
    }
    // Every character of the alphabet shows up: the draw is not stuck on a subset.
    expect(new Set([...keys].join('')).size).toBe(62);
  });

  it('refuses a malformed key without repeating it', () => {
    expect(isExportKey('short')).toBe(false);
    expect(() => exportAesKey('bad key with spaces and 43 characters.....')).toThrow(
      /^the stored encoding_aeskey is not 43 characters/,
    );
  });
});
