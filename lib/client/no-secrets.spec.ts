import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { MemoryStore } from '../stores/memory.store.js';
import type { AccessTokenManager } from './access-token.manager.js';
import { captureLogs, CORP_SECRET, createClient, FakeWeCom, fakeOptions } from './testing-fake-wecom.spec-helper.js';

// Drives the client through every kind of failure and checks that neither the corp secret, nor any access
// token, nor the callback credentials or CSV contents of a request, appear in any error rendering or log line
// (debug included).

const CALLBACK_TOKEN = 'CallbackTok3nValue';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CSV_SECRET_CELL = '13912345678';

describe('no secret leaves the client', () => {
  let fake: FakeWeCom;
  let logs: ReturnType<typeof captureLogs>;
  const errors: WeComApiError[] = [];

  async function collect(promise: Promise<unknown>): Promise<WeComApiError> {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(WeComApiError);
      errors.push(error as WeComApiError);
      return error as WeComApiError;
    }
    throw new Error('expected the call to fail');
  }

  beforeAll(async () => {
    logs = captureLogs();
    fake = await new FakeWeCom().start();
  });

  afterAll(async () => {
    await fake.close();
    logs.restore();
  });

  const fast = { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, rateLimitDelayMs: 5 } };

  it('a wrong secret (sent in the gettoken URL)', async () => {
    const { client } = createClient(fakeOptions(fake, { ...fast, corpSecret: 'WrongSecretValue-987654' }));
    const error = await collect(client.get('batch/getresult'));
    expect(error.kind).toBe('config');
    expect(renderings(error).join('\n')).not.toContain('WrongSecretValue-987654');
  });

  it('gettoken connections reset (axios errors carry the URL with corpsecret)', async () => {
    fake.script('gettoken', 'reset', 'reset');
    const before = fake.count('gettoken');
    const { client } = createClient(fakeOptions(fake, fast));
    expect((await collect(client.get('batch/getresult'))).transportCode).toBe('ECONNRESET');
    expect(fake.count('gettoken')).toBe(before + 2); // retried by the policy once, not again by the call
  });

  it('WeCom (or a proxy) echoing the token and the URL in errmsg', async () => {
    fake.on('batch/getresult', (request) => {
      const token = request.query.get('access_token');
      return {
        errcode: 40058,
        errmsg: `bad request GET /cgi-bin/batch/getresult?access_token=${token}&jobid=1 (token ${token}, corpsecret=${CORP_SECRET})`,
      };
    });
    const { client } = createClient(fakeOptions(fake, fast));
    const error = await collect(client.get('batch/getresult', { jobid: '1' }));
    expect(error.errmsg).toContain('access_token=[redacted]');
    expect(error.errmsg).toContain('bad request GET /cgi-bin/batch/getresult');
  });

  it('a job submission with callback credentials that times out after send', async () => {
    fake.script('batch/syncuser', 'hang');
    const { client } = createClient(fakeOptions(fake, { ...fast, requestTimeoutMs: 200 }));
    const body = {
      media_id: 'MEDIA-SECRET-ID',
      to_invite: false,
      callback: { url: 'https://hr.example.com/cb', token: CALLBACK_TOKEN, encodingaeskey: AES_KEY },
    };
    expect((await collect(client.post('batch/syncuser', body, { idempotent: false }))).maybeDelivered).toBe(true);
  });

  it('a successful submission and upload (bodies and CSV are never logged)', async () => {
    fake.on('batch/replaceuser', () => ({ errcode: 0, errmsg: 'ok', jobid: 'J' }));
    fake.on('media/upload', () => ({ media_id: 'M', created_at: 1 }));
    const { client } = createClient(fakeOptions(fake, fast));
    const body = { media_id: 'M', callback: { url: 'https://x/cb', token: CALLBACK_TOKEN, encodingaeskey: AES_KEY } };
    await client.post('batch/replaceuser', body, { idempotent: false });
    await client.uploadMedia(Buffer.from(`姓名,帐号,手机号\n张三,zhangsan,${CSV_SECRET_CELL}\n`), 'm.csv');
  });

  it('proxies answering non-200 or HTML pages that echo the request URL', async () => {
    fake.on('batch/getresult', (request) => ({
      status: 502,
      body: `<html>upstream failed for ${request.headers.host}/cgi-bin/batch/getresult?access_token=${request.query.get('access_token')}</html>`,
    }));
    const { client } = createClient(fakeOptions(fake, fast));
    expect((await collect(client.get('batch/getresult'))).kind).toBe('http');
    fake.on('batch/getresult', (request) => ({
      status: 200,
      body: `<html>${request.query.get('access_token')}</html>`,
    }));
    expect((await collect(client.get('batch/getresult'))).kind).toBe('http');
  });

  it('a refused connection with a cached token', async () => {
    const store = new MemoryStore();
    const { client } = createClient(fakeOptions(fake, { ...fast, apiBaseUrl: 'http://127.0.0.1:9' }), store);
    const key = (client as unknown as { tokens: AccessTokenManager }).tokens.key;
    const token = 'CachedTokenValue-ABCDEFGHIJ';
    fake.issuedTokens.push(token); // checked below like the fake's own tokens
    await store.setToken(key, { token, fetchedAt: Date.now(), expiresAt: Date.now() + 7_200_000 });
    expect((await collect(client.get('batch/getresult'))).kind).toBe('transport');
  });

  it('a token refused twice (the errmsg names it)', async () => {
    fake.on('batch/getresult', (request) => ({
      errcode: 40014,
      errmsg: `invalid access_token ${request.query.get('access_token')}`,
    }));
    const { client } = createClient(fakeOptions(fake, fast));
    expect((await collect(client.get('batch/getresult'))).errcode).toBe(40014);
  });

  it('an aborted call', async () => {
    fake.script('batch/getresult', 'hang');
    const { client } = createClient(fakeOptions(fake, fast));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect((await collect(client.get('batch/getresult', undefined, { signal: controller.signal }))).kind).toBe(
      'aborted',
    );
  });

  it('…and none of it leaked: errors (message, String, JSON, stack, cause, inspect) and every log line', () => {
    expect(errors.length).toBeGreaterThanOrEqual(9);
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(5);
    expect(logs.lines.some((line) => line.startsWith('debug'))).toBe(true);
    const secrets = [CORP_SECRET, ...fake.issuedTokens, CALLBACK_TOKEN, AES_KEY, CSV_SECRET_CELL];
    const texts = [...errors.flatMap(renderings), ...logs.lines];
    for (const secret of secrets) {
      expect([secret, texts.filter((text) => text.includes(secret))]).toEqual([secret, []]);
    }
    // Bodies are not logged at all, not even their harmless parts.
    expect(logs.lines.filter((line) => line.includes('MEDIA-SECRET-ID') || line.includes('hr.example.com'))).toEqual(
      [],
    );
  });
});

function renderings(error: WeComApiError): string[] {
  const cause = error.cause as Error | undefined;
  return [
    error.message,
    String(error),
    JSON.stringify(error),
    error.stack ?? '',
    String(cause),
    cause?.stack ?? '',
    JSON.stringify(cause ?? null),
    inspect(error, { depth: 10, showHidden: true }),
  ];
}
