import { createCipheriv, randomBytes } from 'node:crypto';
import { WeComCrypto } from 'nestjs-wecom-batch';

/** The keys a WeCom callback is signed and encrypted with. */
export interface CallbackKeys {
  token: string;
  encodingAESKey: string;
  /** The receiveId put at the end of the plaintext (the CorpID). */
  corpId: string;
}

/** Fields of a `batch_job_result` event. */
export interface BatchJobResultFields {
  corpId: string;
  jobId: string;
  jobType: string;
  errCode?: number | string;
  errMsg?: string;
  createTime?: number;
}

/** A signed, encrypted POST as WeCom sends it: the query string and the XML envelope. */
export interface Delivery {
  /** `msg_signature=…&timestamp=…&nonce=…` (no leading `?`). */
  query: string;
  body: string;
  encrypt: string;
  signature: string;
  timestamp: string;
  nonce: string;
}

/** The decrypted XML of a `batch_job_result` event, byte for byte in WeCom's format (wecom-api.md §8.1). */
export function batchJobResultXml(fields: BatchJobResultFields): string {
  const { corpId, jobId, jobType, errCode = 0, errMsg = 'ok', createTime = nowSeconds() } = fields;
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobId}]]></JobId>` +
    `<JobType><![CDATA[${jobType}]]></JobType><ErrCode>${errCode}</ErrCode>` +
    `<ErrMsg><![CDATA[${errMsg}]]></ErrMsg></BatchJob></xml>`
  );
}

/** The POST envelope around an `Encrypt` value (AgentID empty, as for contact-sync events). */
export function envelope(encrypt: string, toUserName = 'wx5823bf96d3bd56c7'): string {
  return (
    `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName>` +
    `<Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`
  );
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Encrypts `message` for `keys` with WeComCrypto and signs it, like WeCom does. `encrypt` replaces the
 * ciphertext (to sign a tampered one); `signWith` signs with other keys (e.g. another token).
 */
export function buildDelivery(
  keys: CallbackKeys,
  message: string,
  options: { timestamp?: number; nonce?: string; encrypt?: string; signWith?: CallbackKeys } = {},
): Delivery {
  const crypto = new WeComCrypto({ token: keys.token, encodingAESKey: keys.encodingAESKey, receiveId: keys.corpId });
  const encrypt = options.encrypt ?? crypto.encrypt(message);
  return signed(options.signWith ?? keys, encrypt, options.timestamp, options.nonce);
}

/** Signs an arbitrary `Encrypt` value with `keys`' token and wraps it in an envelope. */
export function signed(keys: CallbackKeys, encrypt: string, timestamp = nowSeconds(), nonce?: string): Delivery {
  const signer = new WeComCrypto({ token: keys.token, encodingAESKey: keys.encodingAESKey, receiveId: keys.corpId });
  const ts = String(timestamp);
  const n = nonce ?? String(randomBytes(4).readUInt32BE(0));
  const signature = signer.signature(ts, n, encrypt);
  return {
    query: `msg_signature=${signature}&timestamp=${ts}&nonce=${n}`,
    body: envelope(encrypt),
    encrypt,
    signature,
    timestamp: ts,
    nonce: n,
  };
}

/**
 * AES-256-CBC of an already padded plaintext with `keys`' AES key (IV = key[0..16)), bypassing WeComCrypto's
 * own layout and padding — to build ciphertexts with bad padding or a lying length header.
 */
export function encryptRaw(keys: CallbackKeys, plain: Buffer): string {
  const key = Buffer.from(`${keys.encodingAESKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** The answer to a request, body read as text. */
export interface Answer {
  status: number;
  body: string;
  /** The exact bytes of the body (to check for a BOM or a trailing newline). */
  bytes: Buffer;
  contentType: string | null;
  /** The reason a refusal names in its `WeCom-Callback-Rejection` header (null on success). */
  rejection: string | null;
}

/** POSTs `body` to `url?query` with the given Content-Type (`null`: no Content-Type header at all). */
export async function postCallback(
  url: string,
  query: string,
  body: string | Buffer,
  contentType: string | null = 'text/xml',
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  // A Uint8Array body: fetch adds no Content-Type of its own (it would for a string).
  const payload = typeof body === 'string' ? new Uint8Array(Buffer.from(body)) : new Uint8Array(body);
  return answer(await fetch(query ? `${url}?${query}` : url, { method: 'POST', headers, body: payload }));
}

/** GETs `url?query`. */
export async function getCallback(url: string, query: string): Promise<Answer> {
  return answer(await fetch(query ? `${url}?${query}` : url));
}

async function answer(response: Response): Promise<Answer> {
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    body: bytes.toString('utf8'),
    bytes,
    contentType: response.headers.get('content-type'),
    rejection: response.headers.get('wecom-callback-rejection'),
  };
}

/** Official vector B's echostr (wecom-api.md §9.7), which decrypts to `1616140317555161061` with VECTOR_A's keys. */
export const VECTOR_B_ECHOSTR =
  'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';

/**
 * Vector B's URL verification signed now, as WeCom would send it today (the 2014 original is outside any replay
 * window): `+` percent-encoded, or left raw (`rawPlus`, decoded to a space by the framework).
 */
export function vectorBQueryNow(keys: CallbackKeys, rawPlus = false): string {
  const crypto = new WeComCrypto({ token: keys.token, encodingAESKey: keys.encodingAESKey, receiveId: keys.corpId });
  const timestamp = String(nowSeconds());
  const signature = crypto.signature(timestamp, '263014780', VECTOR_B_ECHOSTR);
  const encoded = encodeURIComponent(VECTOR_B_ECHOSTR);
  const echostr = rawPlus ? encoded.replaceAll('%2B', '+') : encoded;
  return `msg_signature=${signature}&timestamp=${timestamp}&nonce=263014780&echostr=${echostr}`;
}

/** A billion-laughs envelope: nested entities that expand exponentially in a parser that processes them. */
export const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;">]>' +
  '<xml><Encrypt>&lol9;</Encrypt></xml>';

/** An XXE envelope: an external entity that reads a local file in a parser that resolves it. */
export const XXE =
  '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt>&xxe;</Encrypt></xml>';
