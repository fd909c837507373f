import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CallbackRejectedEvent, WeComCrypto, type CallbackRejectionReason } from 'nestjs-wecom-batch';
import { ADAPTERS } from './helpers/app.js';
import { bootCallbackApp, REGISTRATIONS, waitFor, type CallbackApp } from './helpers/callback-app.js';
import {
  BILLION_LAUGHS,
  XXE,
  batchJobResultXml,
  buildDelivery,
  encryptRaw,
  getCallback,
  nowSeconds,
  postCallback,
  signed,
  type Answer,
  type CallbackKeys,
} from './helpers/callback-delivery.js';
import { VECTOR_A, validOptions } from './helpers/fixtures.js';

const KEYS: CallbackKeys = VECTOR_A;
const OTHER_TOKEN: CallbackKeys = { ...VECTOR_A, token: 'AnotherToken123' };
const OTHER_CORP: CallbackKeys = { ...VECTOR_A, corpId: 'wx49f0ab532d5d035a' };
const SECRETS = [VECTOR_A.token, VECTOR_A.encodingAESKey, validOptions().corpSecret];

function event(jobId: string, overrides: { errCode?: string | number; corpId?: string } = {}): string {
  return batchJobResultXml({ corpId: overrides.corpId ?? KEYS.corpId, jobId, jobType: 'sync_user', ...overrides });
}

/** A plaintext in WeCom's layout (random ‖ length ‖ message ‖ receiveId), unpadded. */
function layout(message: Buffer, declaredLength = message.length, receiveId = KEYS.corpId): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(declaredLength, 0);
  return Buffer.concat([Buffer.from('0123456789abcdef'), length, message, Buffer.from(receiveId)]);
}

function pad(plain: Buffer, byte?: number): Buffer {
  const k = 32 - (plain.length % 32);
  return Buffer.concat([plain, Buffer.alloc(k, byte ?? k)]);
}

type Attack = () => Promise<Answer>;

/** Each attack, the status it must get and the rejection reason it must report. */
function attacks(url: string): Array<[string, Attack, number, CallbackRejectionReason]> {
  const valid = (id: string) => buildDelivery(KEYS, event(id));
  return [
    [
      'wrong signature',
      async () => {
        const d = valid('hostile-sig');
        return postCallback(url, d.query.replace(/msg_signature=[0-9a-f]{4}/, 'msg_signature=0000'), d.body);
      },
      401,
      'bad_signature',
    ],
    [
      'signature made with another token',
      async () => {
        const d = buildDelivery(KEYS, event('hostile-token'), { signWith: OTHER_TOKEN });
        return postCallback(url, d.query, d.body);
      },
      401,
      'bad_signature',
    ],
    [
      'stale timestamp (1 h old, validly signed)',
      async () => {
        const d = buildDelivery(KEYS, event('hostile-stale'), { timestamp: nowSeconds() - 3600 });
        return postCallback(url, d.query, d.body);
      },
      401,
      'stale_timestamp',
    ],
    [
      'future timestamp (1 h ahead, validly signed)',
      async () => {
        const d = buildDelivery(KEYS, event('hostile-future'), { timestamp: nowSeconds() + 3600 });
        return postCallback(url, d.query, d.body);
      },
      401,
      'stale_timestamp',
    ],
    [
      'wrong corp (receiveId of another corp, validly signed)',
      async () => {
        const d = buildDelivery(OTHER_CORP, event('hostile-corp', { corpId: OTHER_CORP.corpId }));
        return postCallback(url, d.query, d.body);
      },
      401,
      'wrong_receiver',
    ],
    [
      'ToUserName of another corp inside a validly encrypted event',
      async () => {
        const d = buildDelivery(KEYS, event('hostile-to', { corpId: OTHER_CORP.corpId }));
        return postCallback(url, d.query, d.body);
      },
      401,
      'wrong_receiver',
    ],
    [
      'truncated base64 (validly signed)',
      async () => {
        const encrypt = new WeComCrypto({ ...KEYS, receiveId: KEYS.corpId }).encrypt(event('hostile-trunc'));
        const d = signed(KEYS, encrypt.slice(0, -7));
        return postCallback(url, d.query, d.body);
      },
      401,
      'decrypt_failed',
    ],
    [
      'bad padding (pad byte 0, validly signed)',
      async () => {
        const d = signed(KEYS, encryptRaw(KEYS, pad(layout(Buffer.from(event('hostile-pad'))), 0)));
        return postCallback(url, d.query, d.body);
      },
      401,
      'decrypt_failed',
    ],
    [
      'overlong declared length (validly signed)',
      async () => {
        const d = signed(KEYS, encryptRaw(KEYS, pad(layout(Buffer.from(event('hostile-len')), 1_000_000))));
        return postCallback(url, d.query, d.body);
      },
      401,
      'decrypt_failed',
    ],
    ['empty body', async () => postCallback(url, valid('hostile-empty').query, ''), 400, 'malformed_envelope'],
    [
      '1 MB body',
      async () => {
        const d = valid('hostile-big');
        const huge = d.body.replace('</xml>', `<Padding>${'A'.repeat(1024 * 1024)}</Padding></xml>`);
        return postCallback(url, d.query, huge);
      },
      413,
      'body_too_large',
    ],
    [
      'DOCTYPE with an external (XXE) entity',
      async () => postCallback(url, valid('hostile-xxe').query, XXE),
      400,
      'malformed_envelope',
    ],
    [
      'billion laughs',
      async () => postCallback(url, valid('hostile-lol').query, BILLION_LAUGHS),
      400,
      'malformed_envelope',
    ],
    [
      'DOCTYPE inside a validly encrypted event',
      async () => {
        const message = `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>${event('hostile-inner-xxe').replace('<ErrMsg><![CDATA[ok]]>', '<ErrMsg>&x;')}`;
        const d = buildDelivery(KEYS, message);
        return postCallback(url, d.query, d.body);
      },
      400,
      'malformed_event',
    ],
    [
      'JSON body',
      async () => {
        const d = valid('hostile-json');
        return postCallback(url, d.query, JSON.stringify({ Encrypt: d.encrypt }), 'application/json');
      },
      400,
      'unsupported_content_type',
    ],
    [
      'missing query parameters',
      async () => postCallback(url, 'timestamp=1&nonce=2', valid('hostile-missing').body),
      400,
      'missing_parameters',
    ],
    [
      'duplicated query parameters',
      async () => {
        const d = valid('hostile-dup');
        return postCallback(url, `${d.query}&msg_signature=${d.signature}`, d.body);
      },
      400,
      'invalid_parameters',
    ],
    [
      'not XML at all',
      async () => postCallback(url, valid('hostile-text').query, 'hello wecom'),
      400,
      'malformed_envelope',
    ],
    [
      'two Encrypt elements',
      async () => {
        const d = valid('hostile-two');
        return postCallback(
          url,
          d.query,
          d.body.replace('</xml>', `<Encrypt><![CDATA[${d.encrypt}]]></Encrypt></xml>`),
        );
      },
      400,
      'malformed_envelope',
    ],
    [
      'non-numeric ErrCode in a validly encrypted message',
      async () => {
        const d = buildDelivery(KEYS, event('hostile-errcode', { errCode: 'zero' }));
        return postCallback(url, d.query, d.body);
      },
      400,
      'malformed_event',
    ],
    [
      'GET with a wrong signature',
      async () =>
        getCallback(
          url,
          'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
        ),
      401,
      'bad_signature',
    ],
    [
      'GET without echostr',
      async () =>
        getCallback(url, 'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=1'),
      400,
      'missing_parameters',
    ],
  ];
}

describe.each(ADAPTERS)('hostile callback deliveries on %s', (adapter) => {
  describe.each(REGISTRATIONS)('registered with %s', (registration) => {
    let booted: CallbackApp;

    beforeAll(async () => {
      booted = await bootCallbackApp(adapter, registration, validOptions({ fetchResults: false }));
    });
    afterAll(async () => {
      await booted?.close();
      // Only the one valid delivery of the last test ever completed.
      expect(booted.events.completed.filter((e) => e.jobId !== 'after-the-storm')).toHaveLength(0);
      expect(booted.events.failed).toHaveLength(0);
      // Refusals were logged (rate-limited) — and no line, at any level, carries a secret.
      expect(booted.logger.lines.some((l) => l.level === 'warn' && l.text.includes('refused a WeCom callback'))).toBe(
        true,
      );
      expect(booted.logger.leaking(SECRETS)).toEqual([]);
      expect(booted.logger.leaking(['hostile-'])).toEqual([]);
    });

    // Built lazily: the URL is known once the app listens.
    const names = attacks('http://unused').map(([name, , status, reason]) => [name, status, reason] as const);

    it.each(names)('%s → %d (%s), no completed event, no 5xx', async (name, status, reason) => {
      const attack = attacks(booted.callbackUrl).find(([n]) => n === name)?.[1] as Attack;
      const before = booted.events.rejected.length;
      const answer = await attack();
      expect(answer.status).toBe(status);
      expect(answer.status).toBeLessThan(500);
      await waitFor(() => booted.events.rejected.length > before, 2_000, 'the rejected event');
      const rejected = booted.events.rejected.slice(before);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toBeInstanceOf(CallbackRejectedEvent);
      expect(rejected[0]).toMatchObject({ reason, status });
      const payload = JSON.stringify(rejected[0]);
      for (const secret of SECRETS) expect(payload).not.toContain(secret);
      // Nothing decrypted (the job ids inside the attacks are all "hostile-…") reaches the event.
      expect(payload).not.toContain('hostile-');
      for (const secret of SECRETS) expect(answer.body).not.toContain(secret);
      expect(booted.events.completed.filter((e) => e.jobId !== 'after-the-storm')).toHaveLength(0);
    });

    it('a valid delivery still goes through after all that (the endpoint is not wedged)', async () => {
      await booted.submitted('after-the-storm');
      const d = buildDelivery(KEYS, event('after-the-storm'));
      const answer = await postCallback(booted.callbackUrl, d.query, d.body);
      expect([answer.status, answer.body]).toEqual([200, '']);
      await waitFor(() => booted.events.completed.length === 1, 5_000, 'the completed event');
      expect(booted.events.completed[0].jobId).toBe('after-the-storm');
    });
  });
});

describe.each(ADAPTERS)('callback route without the `callback` option on %s', (adapter) => {
  it.each(REGISTRATIONS)('%s: refuses GET and POST with 404 and a clear reason', async (registration) => {
    const booted = await bootCallbackApp(adapter, registration, validOptions({ callback: undefined }));
    try {
      const d = buildDelivery(KEYS, event('unconfigured'));
      const post = await postCallback(booted.callbackUrl, d.query, d.body);
      const get = await getCallback(booted.callbackUrl, d.query + '&echostr=abc');
      for (const answer of [post, get]) {
        expect(answer.status).toBe(404);
        expect(answer.rejection).toBe('not_configured');
        expect(answer.body).toBe('');
      }
      await waitFor(() => booted.events.rejected.length === 2, 2_000, 'two rejected events');
      expect(booted.events.rejected.map((e) => e.reason)).toEqual(['not_configured', 'not_configured']);
      expect(booted.events.completed).toHaveLength(0);
    } finally {
      await booted.close();
    }
  });
});
