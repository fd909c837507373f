import { WeComCrypto } from 'nestjs-wecom-batch';
import {
  BILLION_LAUGHS,
  XXE,
  batchJobResultXml,
  buildDelivery,
  encryptRaw,
  envelope,
  nowSeconds,
  signed,
  type CallbackKeys,
  type Delivery,
} from '../e2e/helpers/callback-delivery.js';
import { VECTOR_A } from '../e2e/helpers/fixtures.js';

// The hostile corpus: every attack of the callback issue's list, the variations around each one, and
// deterministic per-character mutations of one valid delivery. Each entry is a request to send and whether the
// endpoint must refuse it (4xx) or may acknowledge it without effect (200: an event it ignores) — never a 5xx,
// and never a completed job.

export const KEYS: CallbackKeys = VECTOR_A;
const OTHER_TOKEN: CallbackKeys = { ...VECTOR_A, token: 'AnotherToken123' };
const OTHER_CORP: CallbackKeys = { ...VECTOR_A, corpId: 'wx49f0ab532d5d035a' };
const OTHER_KEY: CallbackKeys = { ...VECTOR_A, encodingAESKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ' };

/** What goes on the wire: a method, the query string, headers and the raw body. */
export interface HostileRequest {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Without the leading `?`. */
  query: string;
  body?: Buffer;
  /** `null`: no Content-Type header at all. */
  contentType?: string | null;
  /**
   * - `refused`: must get a 4xx.
   * - `ignored`: may get 200 (acknowledged, nothing happens) or a 4xx.
   * - `tolerated`: only the unauthenticated framing is damaged (the signed `Encrypt` is WeCom's, untouched): may be
   *   read anyway — 200 and the completion of `jobId`, once — or refused.
   */
  expect: 'refused' | 'ignored' | 'tolerated';
  /** `tolerated` only: the job the intact message is about. */
  jobId?: string;
}

/** A `batch_job_result` event for `jobId` (the callback-issue fixtures' format) with optional overrides. */
export function eventXml(jobId: string, fields: { corpId?: string; errCode?: string | number; jobType?: string } = {}) {
  return batchJobResultXml({
    corpId: fields.corpId ?? KEYS.corpId,
    jobId,
    jobType: fields.jobType ?? 'sync_user',
    errCode: fields.errCode,
  });
}

/** random(16) ‖ length(4) ‖ message ‖ receiveId, unpadded: for hand-made ciphertexts. */
function layout(message: Buffer, declaredLength = message.length, receiveId = KEYS.corpId): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength, 0);
  return Buffer.concat([Buffer.from('0123456789abcdef'), length, message, Buffer.from(receiveId)]);
}

/** PKCS#7 to 32-byte blocks; `byte` overrides the pad value (bad padding), `count` the pad length. */
function pad(plain: Buffer, byte?: number, count?: number): Buffer {
  const k = count ?? 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(k, byte ?? k)]);
}

const post = (name: string, d: Pick<Delivery, 'query' | 'body'>, expect: HostileRequest['expect'] = 'refused') => ({
  name,
  method: 'POST' as const,
  query: d.query,
  body: Buffer.from(d.body),
  contentType: 'text/xml',
  expect,
});

/** A validly signed POST of a hand-made ciphertext. */
const signedRaw = (name: string, plain: Buffer): HostileRequest => post(name, signed(KEYS, encryptRaw(KEYS, plain)));

/** A validly signed and encrypted POST of an arbitrary decrypted message. */
const sealed = (name: string, message: string, expect: HostileRequest['expect'] = 'refused'): HostileRequest =>
  post(name, buildDelivery(KEYS, message), expect);

const VECTOR_B_ECHOSTR =
  'P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D';

/**
 * The callback issue's hostile list, one entry each, then the variations around it. Built per call: timestamps
 * are "now".
 */
export function namedAttacks(): HostileRequest[] {
  const valid = (id: string) => buildDelivery(KEYS, eventXml(id));
  const event = (id: string) => Buffer.from(eventXml(id));
  const crypto = new WeComCrypto({ token: KEYS.token, encodingAESKey: KEYS.encodingAESKey, receiveId: KEYS.corpId });
  const list: HostileRequest[] = [];

  // ── the callback issue's list ──
  {
    const d = valid('h-sig');
    list.push(
      post('wrong signature', { ...d, query: d.query.replace(/msg_signature=[0-9a-f]{4}/, 'msg_signature=0000') }),
    );
  }
  list.push(post('signature of another token', buildDelivery(KEYS, eventXml('h-token'), { signWith: OTHER_TOKEN })));
  list.push(
    post('stale timestamp (1 h old)', buildDelivery(KEYS, eventXml('h-stale'), { timestamp: nowSeconds() - 3600 })),
  );
  list.push(
    post('future timestamp (1 h ahead)', buildDelivery(KEYS, eventXml('h-future'), { timestamp: nowSeconds() + 3600 })),
  );
  list.push(
    post('wrong corp (receiveId)', buildDelivery(OTHER_CORP, eventXml('h-corp', { corpId: OTHER_CORP.corpId }))),
  );
  list.push(post('truncated base64', signed(KEYS, crypto.encrypt(eventXml('h-trunc')).slice(0, -7))));
  list.push(signedRaw('bad padding (pad byte 0)', pad(layout(event('h-pad')), 0)));
  list.push(signedRaw('overlong declared length', pad(layout(event('h-len'), 1_000_000))));
  list.push(post('empty body', { query: valid('h-empty').query, body: '' }));
  {
    const d = valid('h-1mb');
    list.push(post('1 MB body', { ...d, body: d.body.replace('</xml>', `<P>${'A'.repeat(1024 * 1024)}</P></xml>`) }));
  }
  list.push(post('DOCTYPE / XXE entity', { query: valid('h-xxe').query, body: XXE }));
  list.push(post('billion laughs', { query: valid('h-lol').query, body: BILLION_LAUGHS }));
  {
    const d = valid('h-json');
    list.push({
      ...post('JSON body', { query: d.query, body: JSON.stringify({ Encrypt: d.encrypt }) }),
      contentType: 'application/json',
    });
  }
  list.push(post('missing query parameters', { query: 'timestamp=1&nonce=2', body: valid('h-missing').body }));
  {
    const d = valid('h-dup');
    list.push(post('duplicated query parameters', { ...d, query: `${d.query}&msg_signature=${d.signature}` }));
  }
  list.push(sealed('non-numeric ErrCode', eventXml('h-errcode', { errCode: 'zero' })));

  // ── signature and query parameters ──
  {
    const d = valid('h-upper');
    list.push(
      post('signature in upper-case hex', { ...d, query: d.query.replace(d.signature, d.signature.toUpperCase()) }),
    );
    list.push(post('signature 41 characters', { ...d, query: d.query.replace(d.signature, `${d.signature}0`) }));
    list.push(post('signature 39 characters', { ...d, query: d.query.replace(d.signature, d.signature.slice(1)) }));
    list.push(post('empty signature', { ...d, query: d.query.replace(d.signature, '') }));
    list.push(
      post('nonce of 200 characters', { ...d, query: d.query.replace(`nonce=${d.nonce}`, `nonce=${'9'.repeat(200)}`) }),
    );
    list.push(
      post('timestamp in milliseconds', {
        ...d,
        query: d.query.replace(`timestamp=${d.timestamp}`, `timestamp=${Date.now()}`),
      }),
    );
    list.push(post('only the body, no query at all', { query: '', body: d.body }));
  }
  for (const [label, timestamp] of [
    ['exponent', '1e9'],
    ['hexadecimal', '0x65'],
    ['negative', '-1'],
    ['leading space', ' 1700000000'],
    ['fraction', '1700000000.5'],
  ] as const) {
    // Signed over the odd timestamp, so only its format can refuse it.
    const encrypt = crypto.encrypt(eventXml(`h-ts-${label}`));
    const signature = crypto.signature(timestamp, '1', encrypt);
    list.push(
      post(`timestamp ${label} (validly signed)`, {
        query: `msg_signature=${signature}&timestamp=${encodeURIComponent(timestamp)}&nonce=1`,
        body: envelope(encrypt),
      }),
    );
  }
  list.push(post('encrypted with another AES key (validly signed)', buildDelivery(OTHER_KEY, eventXml('h-key'))));

  // ── ciphertext and plaintext layout ──
  list.push(signedRaw('pad byte 33', pad(layout(event('h-pad33')), 33)));
  {
    const padded = pad(layout(event('h-padmix')));
    padded[padded.length - 2] ^= 1;
    list.push(signedRaw('inconsistent pad bytes', padded));
  }
  {
    const padded = pad(layout(event('h-16')));
    list.push(
      post('ciphertext not a whole number of 32-byte blocks', signed(KEYS, encryptRaw(KEYS, padded.subarray(16)))),
    );
  }
  list.push(
    signedRaw(
      'declared length one past the end',
      pad(layout(event('h-len1'), event('h-len1').length + KEYS.corpId.length + 1)),
    ),
  );
  list.push(signedRaw('declared length 0', pad(layout(event('h-len0'), 0))));
  list.push(signedRaw('plaintext shorter than its header', pad(Buffer.from('0123456789'))));
  list.push(signedRaw('empty receiveId', pad(layout(event('h-rid0'), undefined, ''))));
  list.push(
    signedRaw('receiveId a prefix of the CorpID', pad(layout(event('h-ridp'), undefined, KEYS.corpId.slice(0, -1)))),
  );
  list.push(signedRaw('receiveId with a trailing NUL', pad(layout(event('h-ridn'), undefined, `${KEYS.corpId}\0`))));
  list.push(
    signedRaw(
      'invalid UTF-8 in the message',
      pad(
        layout(
          Buffer.concat([event('h-utf8').subarray(0, 40), Buffer.from([0xc3, 0x28]), event('h-utf8').subarray(40)]),
        ),
      ),
    ),
  );
  {
    const d = valid('h-space');
    list.push(
      post('line breaks inside the base64', {
        query: signed(KEYS, d.encrypt.replace(/(.{64})/g, '$1\n')).query,
        body: envelope(d.encrypt.replace(/(.{64})/g, '$1\n')),
      }),
    );
  }
  list.push(post('Encrypt of 10,000 base64 characters', signed(KEYS, 'QUJD'.repeat(2_500))));

  // ── the decrypted event ──
  list.push(sealed('event addressed to another CorpID', eventXml('h-to', { corpId: OTHER_CORP.corpId })));
  list.push(sealed('JobId of 65 characters', eventXml('x'.repeat(65))));
  list.push(sealed('JobId with a space', eventXml('job id')));
  list.push(sealed('ErrCode beyond 15 digits', eventXml('h-big', { errCode: '1234567890123456789' })));
  list.push(sealed('ErrCode as a fraction', eventXml('h-frac', { errCode: '1.5' })));
  list.push(
    sealed(
      'CreateTime not a number',
      eventXml('h-ct').replace(/<CreateTime>\d+<\/CreateTime>/, '<CreateTime>now</CreateTime>'),
    ),
  );
  list.push(sealed('no BatchJob element', eventXml('h-nobj').replace(/<BatchJob>.*<\/BatchJob>/, '')));
  list.push(
    sealed('BatchJob as text', eventXml('h-bjt').replace(/<BatchJob>.*<\/BatchJob>/, '<BatchJob>h-bjt</BatchJob>')),
  );
  list.push(sealed('JobId twice', eventXml('h-2id').replace('<JobType>', '<JobId><![CDATA[other]]></JobId><JobType>')));
  list.push(
    sealed(
      'DOCTYPE inside the event',
      `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>${eventXml('h-inner')}`,
    ),
  );
  list.push(
    sealed('unknown entity inside the event', eventXml('h-ent').replace('<ErrMsg><![CDATA[ok]]>', '<ErrMsg>&x;')),
  );
  list.push(sealed('comment inside the event', eventXml('h-cmt').replace('<BatchJob>', '<!-- c --><BatchJob>')));
  list.push(
    sealed('processing instruction inside the event', eventXml('h-pi').replace('<BatchJob>', '<?pi x?><BatchJob>')),
  );
  list.push(sealed('attributes inside the event', eventXml('h-attr').replace('<BatchJob>', '<BatchJob a="1">')));
  list.push(
    sealed(
      'elements nested 50 deep',
      eventXml('h-deep').replace('<ErrMsg>', `${'<a>'.repeat(50)}${'</a>'.repeat(50)}<ErrMsg>`),
    ),
  );
  list.push(sealed('content after the root element', `${eventXml('h-after')}<xml/>`));
  list.push(sealed('unterminated CDATA', eventXml('h-cdata').replace('<![CDATA[ok]]>', '<![CDATA[ok')));
  list.push(sealed('not XML at all', 'hello wecom'));
  list.push(
    sealed('JSON instead of XML', JSON.stringify({ MsgType: 'event', Event: 'batch_job_result', JobId: 'h-json2' })),
  );
  list.push(sealed('empty message', ''));
  // Acknowledged and ignored: nothing to complete.
  list.push(sealed('an export job (JobType export_user)', eventXml('h-export', { jobType: 'export_user' }), 'ignored'));
  list.push(
    sealed(
      'another event (change_contact)',
      eventXml('h-other').replace('batch_job_result', 'change_contact'),
      'ignored',
    ),
  );
  list.push(
    sealed(
      'a text message',
      '<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>',
      'ignored',
    ),
  );

  // ── the envelope and the request ──
  {
    const d = valid('h-env');
    list.push(
      post('two Encrypt elements', {
        ...d,
        body: d.body.replace('</xml>', `<Encrypt><![CDATA[${d.encrypt}]]></Encrypt></xml>`),
      }),
    );
    list.push(post('Encrypt element empty', { ...d, body: envelope('') }));
    list.push(post('no Encrypt element', { ...d, body: d.body.replace(/<Encrypt>.*<\/Encrypt>/, '') }));
    list.push(
      post('root element not <xml>', { ...d, body: d.body.replace(/^<xml>/, '<root>').replace(/<\/xml>$/, '</root>') }),
    );
    list.push(post('not XML', { ...d, body: 'hello wecom' }));
    // Sloppy framing around an intact, validly signed Encrypt: reading it anyway is fine, completing twice is not.
    const tolerated = (name: string, body: string): HostileRequest => ({
      ...post(name, { ...d, body }, 'tolerated'),
      jobId: 'h-env',
    });
    list.push(tolerated('NUL bytes before the envelope', `\0\0\0${d.body}`));
    list.push(tolerated('unclosed root', d.body.replace(/<\/xml>$/, '')));
    list.push(tolerated('the same envelope again', d.body));
    list.push(
      post('body at the cap plus one byte (16 KiB + 1)', {
        ...d,
        body: d.body.replace('</xml>', `<P>${'A'.repeat(16 * 1024)}</P></xml>`),
      }),
    );
    for (const contentType of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/vnd.api+json',
    ]) {
      list.push({ ...post(`Content-Type ${contentType}`, d), contentType });
    }
    for (const method of ['PUT', 'DELETE', 'PATCH'] as const) {
      list.push({ ...post(`${method} instead of POST`, d), method });
    }
  }

  // ── URL verification (GET) ──
  const get = (name: string, query: string): HostileRequest => ({ name, method: 'GET', query, expect: 'refused' });
  list.push(
    get(
      'GET with a wrong signature',
      `msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4&timestamp=1409659589&nonce=263014780&echostr=${VECTOR_B_ECHOSTR}`,
    ),
  );
  list.push(
    get('GET without echostr', 'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=1'),
  );
  list.push(
    get(
      'GET with duplicated echostr',
      `msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=${VECTOR_B_ECHOSTR}&echostr=x`,
    ),
  );
  {
    const junk = 'QUJD'.repeat(8);
    const signature = crypto.signature('1409659589', '1', junk);
    list.push(
      get(
        'GET validly signed, echostr undecryptable',
        `msg_signature=${signature}&timestamp=1409659589&nonce=1&echostr=${junk}`,
      ),
    );
  }
  list.push(
    get(
      'GET with an echostr of 5,000 characters',
      `msg_signature=${'0'.repeat(40)}&timestamp=1&nonce=1&echostr=${'A'.repeat(5000)}`,
    ),
  );
  return list;
}

const ALPHABETS = {
  hex: '0123456789abcdef',
  digits: '0123456789',
  nonce: '0123456789abcdefghijklmnopqrstuvwxyz',
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
};

/** A small deterministic PRNG (mulberry32): the same mutations on every run, so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `value` with the character at `i` replaced by another one of `alphabet` (chosen by `random`). */
function replaceAt(value: string, i: number, alphabet: string, random: () => number): string {
  const others = alphabet.replace(value[i], '');
  return value.slice(0, i) + others[Math.floor(random() * others.length)] + value.slice(i + 1);
}

/**
 * Every character of a valid delivery's signature, timestamp, nonce and Encrypt replaced, one at a time, by a
 * different character of the same alphabet. Without re-signing (anybody on the network) every one must fail the
 * signature check; the Encrypt mutations are also sent re-signed with the right token (someone who has the token
 * but not the AES key), which must fail decryption or validation. A re-signed mutation that decodes to the same
 * bytes (the unused low bits of the last base64 character) is the same message and is left out.
 */
export function mutations(base: Delivery, seed: number): { unsigned: HostileRequest[]; resigned: HostileRequest[] } {
  const random = prng(seed);
  const unsigned: HostileRequest[] = [];
  const resigned: HostileRequest[] = [];
  const q = (sig: string, ts: string, nonce: string) => `msg_signature=${sig}&timestamp=${ts}&nonce=${nonce}`;
  const push = (name: string, query: string, body: string) => unsigned.push(post(name, { query, body }));
  for (let i = 0; i < base.signature.length; i++) {
    push(
      `signature[${i}]`,
      q(replaceAt(base.signature, i, ALPHABETS.hex, random), base.timestamp, base.nonce),
      base.body,
    );
  }
  for (let i = 0; i < base.timestamp.length; i++) {
    push(
      `timestamp[${i}]`,
      q(base.signature, replaceAt(base.timestamp, i, ALPHABETS.digits, random), base.nonce),
      base.body,
    );
  }
  for (let i = 0; i < base.nonce.length; i++) {
    push(
      `nonce[${i}]`,
      q(base.signature, base.timestamp, replaceAt(base.nonce, i, ALPHABETS.nonce, random)),
      base.body,
    );
  }
  const original = Buffer.from(base.encrypt, 'base64');
  for (let i = 0; i < base.encrypt.length; i++) {
    const encrypt = replaceAt(base.encrypt, i, ALPHABETS.base64, random);
    push(`Encrypt[${i}]`, base.query, envelope(encrypt));
    if (Buffer.from(encrypt, 'base64').equals(original)) continue;
    const d = signed(KEYS, encrypt, Number(base.timestamp), base.nonce);
    resigned.push(post(`re-signed Encrypt[${i}]`, d));
  }
  return { unsigned, resigned };
}

/**
 * Forged bodies shaped to cost the most before the signature check, each under the default 16 KiB cap: the
 * probe's `<xml>` + 4,086 × `<a/>` + `<Encrypt>`, the same with distinct names (no early duplicate refusal),
 * thousands of comments and attributes (skipped in the tolerant envelope), entity-heavy text, and deep nesting.
 * `encrypt` is the (forged) Encrypt text to put last.
 */
export function worstShapeBodies(encrypt = 'AAAA'): Array<{ name: string; body: string }> {
  const tail = `<Encrypt>${encrypt}</Encrypt></xml>`;
  const fill = (unit: (i: number) => string, budget = 16_000): string => {
    let out = '';
    for (let i = 0; out.length + tail.length + 5 < budget; i++) out += unit(i);
    return out;
  };
  return [
    { name: 'the probe: <xml> + 4,086 × <a/> + <Encrypt>', body: `<xml>${'<a/>'.repeat(4_086)}${tail}` },
    { name: 'many distinct empty elements', body: `<xml>${fill((i) => `<e${i}/>`)}${tail}` },
    { name: 'many comments', body: `<xml>${fill(() => '<!---->')}${tail}` },
    { name: 'many attributes', body: `<xml ${fill((i) => `a${i}="" `)}>${tail}` },
    { name: 'entity-heavy text', body: `<xml><T>${fill(() => '&amp;')}</T>${tail}` },
    { name: 'deep nesting', body: `<xml>${'<a>'.repeat(3_000)}${tail}` },
  ];
}
