import { describe, expect, it } from '@jest/globals';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { type WeComCallbackKeyPair } from '../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import { CallbackVerifier, callbackKeyPairs, keyPairFingerprint } from './callback-verifier.service.js';
import { WeComCrypto } from './wecom-crypto.service.js';

const CORP = 'wwcorp';
const K1: WeComCallbackKeyPair = { token: 'OldTok3n', encodingAESKey: 'a'.repeat(42) + 'A' };
const K2: WeComCallbackKeyPair = { token: 'NewTok3n', encodingAESKey: 'b'.repeat(42) + 'B' };
const K3: WeComCallbackKeyPair = { token: 'Other', encodingAESKey: 'c'.repeat(42) + 'C' };

function options(acceptedKeys: unknown) {
  return {
    corpId: CORP,
    corpSecret: 'secret',
    callback: { url: 'https://hr.example.com/cb', ...K2, acceptedKeys: acceptedKeys as WeComCallbackKeyPair[] },
  };
}

function problemsOf(acceptedKeys: unknown) {
  try {
    resolveWeComBatchOptions(options(acceptedKeys));
  } catch (error) {
    expect(error).toBeInstanceOf(WeComConfigError);
    return (error as WeComConfigError).problems;
  }
  return [];
}

describe('callback.acceptedKeys', () => {
  it('feeds the verifier: current pair first, then each accepted pair, duplicates once', () => {
    const resolved = resolveWeComBatchOptions(options([K1, { ...K2 }, K1]));
    expect(callbackKeyPairs(resolved)).toEqual([K2, K1]);
    expect(callbackKeyPairs(resolveWeComBatchOptions(options(undefined)))).toEqual([K2]);
  });

  it('verifies a delivery signed with an accepted pair and names that pair by fingerprint only', () => {
    const verifier = new CallbackVerifier(resolveWeComBatchOptions(options([K1])));
    const crypto = new WeComCrypto({ ...K1, receiveId: CORP });
    const encrypted = crypto.encrypt('<xml>x</xml>');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const params = { msg_signature: crypto.signature(timestamp, 'n', encrypted), timestamp, nonce: 'n' };
    const verified = verifier.verifyDelivery(params, encrypted);
    expect(verified).toMatchObject({ message: '<xml>x</xml>', keyIndex: 1, keyFingerprint: keyPairFingerprint(K1) });
    expect(verified.keyFingerprint).not.toContain(K1.token);

    const other = new WeComCrypto({ ...K3, receiveId: CORP });
    const forged = other.encrypt('<xml>x</xml>');
    const forgedParams = { msg_signature: other.signature(timestamp, 'n', forged), timestamp, nonce: 'n' };
    expect(() => verifier.verifyDelivery(forgedParams, forged)).toThrow(/signature/);
  });

  it('names each bad entry by its position, never its value', () => {
    const problems = problemsOf([K1, { token: 'bad token!', encodingAESKey: 'short' }]);
    expect(problems.map((p) => p.field)).toEqual([
      'callback.acceptedKeys[1].token',
      'callback.acceptedKeys[1].encodingAESKey',
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/short|bad token/);
  });

  it.each([
    ['a string', 'K1'],
    ['an array of strings', ['K1']],
    ['an array holding null', [null]],
    ['an entry without its key', [{ token: 'abc' }]],
  ])('refuses %s', (_label, value) => {
    const problems = problemsOf(value);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.field.startsWith('callback.acceptedKeys'))).toBe(true);
  });
});
