import { describe, expect, it } from '@jest/globals';
import { createCipheriv } from 'node:crypto';
import { WECOM_CRYPTO_ERROR_CODES as CODES, WeComCryptoError } from '../errors/wecom-crypto.error.js';
import { WeComCrypto } from './wecom-crypto.service.js';

// Official test vectors (WeCom's callback encryption documentation) and vectors derived from them, byte for byte.
const A = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
};
const C = {
  token: '123456',
  encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  receiveId: 'wx49f0ab532d5d035a',
};

const VECTOR_A_ENCRYPT =
  'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
const VECTOR_A_MSG =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';
const VECTOR_B_ECHOSTR = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
const VECTOR_C1_ECHOSTR = '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==';
const VECTOR_C2_ENCRYPT =
  'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=';
const VECTOR_C2_MSG =
  '<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>';
const VECTOR_C3_MSG =
  '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>';
const VECTOR_C3_ENCRYPT =
  '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3';
const VECTOR_D_MSG =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1425284517</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4]]></JobId><JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>';
const VECTOR_D_ENCRYPT =
  'sKqRbbiSUnDhFHOvPjtUMcBta/dtj1x+YfNGXipgayrxZOldAHgb2HO5Bs8PaKjevJ/YrC5yhfb3ojv7tsx6EtGrmR33PkGE9g707gvjdsAdJMwgg2c09SO7l+nqFpT5sVNOiDV3Rd5QjIex3tZUj6eefLEt50xz2MfA35vIMiRP6vJbHuRBeOIkOSeo8F++dxiSvWoj+rM6VZnRPPFhJQazvFStfLbxRZWvrP8PIos8WffbK0jlrQZhs4+Dpu8px4UHRUY+GyWXBvp4sOK/CnXYy00qa3aPR6jaRPvp7DVcgIkLf4auxJqJt5TLlprXAUaYZUFSUb7EndkYn9j5du3i1OKrLUeXfVH9LhRaTFCToRdlwbe1QL/Vs3nTGnCqCMroQBzt0j5c+m7khj1//i4ffZ+faDKqBR46OdLqbWedsdy8l8+GkhIDy+LZymYW9MJvpNvREYY4Q5+++uu5TvzTcfZCkf0OkIRYfnfBiX0kFPs3LYaZjjiy95QA1GsMvDIH3HAl+mS/oUtWoMmeFTXJ2wDDMN+pZdARUSNU1kscp7Z3HLTLgjmSpS8gbB6FUVpvMCOS3kZ9o7B7CYHekA==';
const VECTOR_E_ENCRYPT =
  'sKqRbbiSUnDhFHOvPjtUMZGyoR1r/GzKAbbgquGlaOgIlt+xQAi/JKk90aBApUWQUg5O+k5ZufIRKoqgtkAVwJKF1H3y/sfk7izzwSIp1tYTy01NHOGT9sTJ2jdv5sCT';

function cryptoError(fn: () => unknown): WeComCryptoError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeComCryptoError);
    return error as WeComCryptoError;
  }
  throw new Error('expected a WeComCryptoError, nothing was thrown');
}

describe('WeComCrypto — official and derived vectors', () => {
  const a = new WeComCrypto(A);
  const c = new WeComCrypto(C);

  it('A: verifies the signature and decrypts the message (pad 30, which Node auto-padding rejects)', () => {
    expect(a.signature('1409659813', '1372623149', VECTOR_A_ENCRYPT)).toBe('477715d11cdb4164915debcba66cb864d751f3e6');
    expect(a.verify('477715d11cdb4164915debcba66cb864d751f3e6', '1409659813', '1372623149', VECTOR_A_ENCRYPT)).toBe(
      true,
    );
    expect(a.decrypt(VECTOR_A_ENCRYPT)).toEqual({ message: VECTOR_A_MSG, receiveId: 'wx5823bf96d3bd56c7' });
  });

  it('B: URL verification echostr decrypts to the exact plaintext', () => {
    expect(a.verify('5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3', '1409659589', '263014780', VECTOR_B_ECHOSTR)).toBe(
      true,
    );
    expect(a.decrypt(VECTOR_B_ECHOSTR).message).toBe('1616140317555161061');
  });

  it('C1: wechatpy check_signature with a non-canonical key, and its negative', () => {
    expect(c.verify('dd6b9c95b495b3f7e2901bfbc76c664930ffdb96', '1411443780', '437374425', VECTOR_C1_ECHOSTR)).toBe(
      true,
    );
    expect(c.decrypt(VECTOR_C1_ECHOSTR).message).toBe('5927782489442352469');
    expect(c.verify('dd6b9c95b495b3f7e2901bfbc76c664930ffdb96', '1411443780', '437374424', VECTOR_C1_ECHOSTR)).toBe(
      false,
    );
  });

  it('C2: wechatpy decrypt_message (pad 1)', () => {
    expect(c.verify('74d92dfeb87ba7c714f89d98870ae5eb62dff26d', '1411525903', '461056294', VECTOR_C2_ENCRYPT)).toBe(
      true,
    );
    expect(c.decrypt(VECTOR_C2_ENCRYPT)).toEqual({ message: VECTOR_C2_MSG, receiveId: 'wx49f0ab532d5d035a' });
  });

  it('C3: encrypt reproduces wechatpy byte for byte with a fixed random prefix', () => {
    const encrypted = c.encrypt(VECTOR_C3_MSG, '1234567890123456');
    expect(encrypted).toBe(VECTOR_C3_ENCRYPT);
    expect(c.signature('1411525903', '461056294', encrypted)).toBe('407518b7649e86ef23978113f92d27afa9296533');
  });

  it('D: an encrypted batch_job_result (pad 4)', () => {
    const encrypted = a.encrypt(VECTOR_D_MSG, '0123456789abcdef');
    expect(encrypted).toBe(VECTOR_D_ENCRYPT);
    expect(a.signature('1425284517', '1234567890', encrypted)).toBe('13ef8f4fcc80045e8b3b10b6e179a6247c285321');
    expect(a.decrypt(VECTOR_D_ENCRYPT).message).toBe(VECTOR_D_MSG);
  });

  it('E: a full 32-byte pad block', () => {
    const encrypted = a.encrypt('abcdefghijklmnopqrstuvwxyz', '0123456789abcdef');
    expect(encrypted).toBe(VECTOR_E_ENCRYPT);
    expect(Buffer.from(encrypted, 'base64')).toHaveLength(96);
    expect(a.signature('1425284517', '1234567890', encrypted)).toBe('6cd4d1c54e02d4f77cb3aa22c55403d09e85a804');
    expect(a.decrypt(VECTOR_E_ENCRYPT).message).toBe('abcdefghijklmnopqrstuvwxyz');
  });

  it('rejects a receiveId mismatch with -40005 (vector A decrypted as corp C)', () => {
    const wrongCorp = new WeComCrypto({ ...A, receiveId: 'wx49f0ab532d5d035a' });
    expect(cryptoError(() => wrongCorp.decrypt(VECTOR_A_ENCRYPT)).code).toBe(CODES.VALIDATE_RECEIVE_ID);
  });
});

describe('WeComCrypto — strictness', () => {
  const a = new WeComCrypto(A);

  it('refuses an EncodingAESKey that is not 43 characters of [A-Za-z0-9] (-40004)', () => {
    for (const encodingAESKey of [
      '',
      A.encodingAESKey.slice(1),
      `${A.encodingAESKey}x`,
      `${A.encodingAESKey.slice(1)}+`,
    ]) {
      expect(cryptoError(() => new WeComCrypto({ ...A, encodingAESKey })).code).toBe(CODES.ILLEGAL_AES_KEY);
    }
  });

  it('rejects bad base64 with -40010', () => {
    for (const bad of ['', 'not base64!', VECTOR_A_ENCRYPT.slice(0, -3), `${VECTOR_A_ENCRYPT}\n`]) {
      expect(cryptoError(() => a.decrypt(bad)).code).toBe(CODES.DECODE_BASE64);
    }
  });

  it('rejects a ciphertext that is not a whole number of 32-byte blocks with -40007', () => {
    const sixteen = Buffer.alloc(48, 7).toString('base64');
    expect(cryptoError(() => a.decrypt(sixteen)).code).toBe(CODES.DECRYPT_AES);
  });

  it('rejects a pad byte outside 1..32 and inconsistent pad bytes with -40007', () => {
    // Encrypt raw blocks ourselves so the plaintext's last bytes are what we want.
    const raw = (plain: Buffer) => encryptRaw(plain);
    expect(cryptoError(() => a.decrypt(raw(Buffer.alloc(32, 0)))).code).toBe(CODES.DECRYPT_AES);
    expect(cryptoError(() => a.decrypt(raw(Buffer.alloc(64, 33)))).code).toBe(CODES.DECRYPT_AES);
    const inconsistent = Buffer.alloc(64, 4);
    inconsistent[62] = 5;
    expect(cryptoError(() => a.decrypt(raw(inconsistent))).code).toBe(CODES.DECRYPT_AES);
  });

  it('rejects a declared length that overruns the plaintext with -40008', () => {
    const plain = Buffer.alloc(64, 0);
    plain.writeUInt32BE(1000, 16);
    plain.fill(4, 60);
    expect(cryptoError(() => a.decrypt(encryptRaw(plain))).code).toBe(CODES.ILLEGAL_BUFFER);
  });

  it('verify() is false for malformed signatures instead of throwing', () => {
    for (const signature of ['', 'abc', '477715D11CDB4164915DEBCBA66CB864D751F3E6', undefined as unknown as string]) {
      expect(a.verify(signature, '1409659813', '1372623149', VECTOR_A_ENCRYPT)).toBe(false);
    }
  });

  it('round-trips multi-byte text: the length header counts bytes, not characters', () => {
    const message = '企业微信通讯录同步 ✓ — 张三';
    expect(a.decrypt(a.encrypt(message)).message).toBe(message);
  });
});

/** AES-256-CBC of an already padded plaintext with vector A's key, bypassing WeComCrypto's own padding. */
function encryptRaw(plain: Buffer): string {
  const key = Buffer.from(`${A.encodingAESKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
