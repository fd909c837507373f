import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { inspect } from 'node:util';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { MemoryStore } from '../stores/memory.store.js';
import type { WeComSimulator } from '../testing/index.js';
import {
  captureLogs,
  clientOptions,
  CORP_ID,
  CORP_SECRET,
  createClient,
  startSimulator,
} from './client.spec-helper.js';

// Drives the client through every kind of failure and checks that neither the corp secret, nor any access
// token, nor the callback credentials or CSV contents of a request, appear in any error rendering or log line
// (verbose included: the per-call lines).

const CALLBACK_TOKEN = 'CallbackTok3nValue';
const AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const CSV_SECRET_CELL = '13912345678';

describe('no secret leaves the client', () => {
  let sim: WeComSimulator;
  let logs: ReturnType<typeof captureLogs>;
  const errors: WeComApiError[] = [];
  /** Tokens the specs put in the store themselves (checked like the ones the simulator issued). */
  const planted: string[] = [];

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
    sim = await startSimulator();
  });

  afterAll(async () => {
    await sim.close();
    logs.restore();
  });

  const fast = { retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, rateLimitDelayMs: 5 } };

  it('a wrong secret (sent in the gettoken URL)', async () => {
    const { client } = createClient(clientOptions(sim.baseUrl, { ...fast, corpSecret: 'WrongSecretValue-987654' }));
    const error = await collect(client.get('batch/getresult'));
    expect(error.kind).toBe('config');
    expect(renderings(error).join('\n')).not.toContain('WrongSecretValue-987654');
  });

  it('gettoken connections reset (axios errors carry the URL with corpsecret)', async () => {
    sim.resetNext('gettoken', { times: 2 });
    const before = sim.requests('gettoken').length;
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    expect((await collect(client.get('batch/getresult'))).transportCode).toBe('ECONNRESET');
    expect(sim.requests('gettoken').length).toBe(before + 2); // retried by the policy once, not again by the call
  });

  it('WeCom (or a proxy) echoing the token and the URL in errmsg', async () => {
    sim.respondWith('batch/getresult', (request) => {
      const token = request.accessToken;
      return {
        body: {
          errcode: 40058,
          errmsg: `bad request GET /cgi-bin/batch/getresult?access_token=${token}&jobid=1 (token ${token}, corpsecret=${CORP_SECRET})`,
        },
      };
    });
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    const error = await collect(client.get('batch/getresult', { jobid: '1' }));
    expect(error.errmsg).toContain('access_token=[redacted]');
    expect(error.errmsg).toContain('bad request GET /cgi-bin/batch/getresult');
  });

  it('a job submission with callback credentials that times out after send', async () => {
    sim.hangNext('batch/syncuser');
    const { client } = createClient(clientOptions(sim.baseUrl, { ...fast, requestTimeoutMs: 200 }));
    const body = {
      media_id: 'MEDIA-SECRET-ID',
      to_invite: false,
      callback: { url: 'https://hr.example.com/cb', token: CALLBACK_TOKEN, encodingaeskey: AES_KEY },
    };
    expect((await collect(client.post('batch/syncuser', body, { idempotent: false }))).maybeDelivered).toBe(true);
  });

  it('a successful submission and upload (bodies and CSV are never logged)', async () => {
    sim.respondWith('batch/replaceuser', () => ({ body: { errcode: 0, errmsg: 'ok', jobid: 'J' } }));
    sim.respondWith('media/upload', () => ({ body: { media_id: 'M', created_at: 1 } }));
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    const body = { media_id: 'M', callback: { url: 'https://x/cb', token: CALLBACK_TOKEN, encodingaeskey: AES_KEY } };
    await client.post('batch/replaceuser', body, { idempotent: false });
    await client.uploadMedia(Buffer.from(`姓名,帐号,手机号\n张三,zhangsan,${CSV_SECRET_CELL}\n`), 'm.csv');
  });

  it('proxies answering non-200 or HTML pages that echo the request URL', async () => {
    sim.respondWith('batch/getresult', (request) => ({
      status: 502,
      body: `<html>upstream failed for ${String(request.headers.host)}${request.url}</html>`,
    }));
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    expect((await collect(client.get('batch/getresult'))).kind).toBe('http');
    sim.respondWith('batch/getresult', (request) => ({
      status: 200,
      body: `<html>${request.accessToken}</html>`,
    }));
    expect((await collect(client.get('batch/getresult'))).kind).toBe('http');
  });

  it('a refused connection with a cached token', async () => {
    const store = new MemoryStore();
    const { client, tokens } = createClient(clientOptions('http://127.0.0.1:9', fast), store);
    const token = 'CachedTokenValue-ABCDEFGHIJ';
    planted.push(token); // checked below like the simulator's own tokens
    await store.setToken(tokens.key, { token, fetchedAt: Date.now(), expiresAt: Date.now() + 7_200_000 });
    expect((await collect(client.get('batch/getresult'))).kind).toBe('transport');
  });

  it('a token refused twice (the errmsg names it)', async () => {
    sim.respondWith('batch/getresult', (request) => ({
      body: { errcode: 40014, errmsg: `invalid access_token ${request.accessToken}` },
    }));
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    expect((await collect(client.get('batch/getresult'))).errcode).toBe(40014);
  });

  it('an aborted call', async () => {
    sim.hangNext('batch/getresult');
    const { client } = createClient(clientOptions(sim.baseUrl, fast));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    expect((await collect(client.get('batch/getresult', undefined, { signal: controller.signal }))).kind).toBe(
      'aborted',
    );
  });

  it('…and none of it leaked: errors (message, String, JSON, stack, cause, inspect) and every log line', () => {
    expect(errors.length).toBeGreaterThanOrEqual(9);
    const tokens = [...sim.issuedTokens(CORP_ID), ...planted];
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    expect(logs.lines.some((line) => line.startsWith('verbose'))).toBe(true);
    const secrets = [CORP_SECRET, ...tokens, CALLBACK_TOKEN, AES_KEY, CSV_SECRET_CELL];
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
