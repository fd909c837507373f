import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeComCrypto } from 'nestjs-wecom-batch';
import { ADAPTERS } from './helpers/app.js';
import { bootCallbackApp, waitFor, type CallbackApp } from './helpers/callback-app.js';
import {
  batchJobResultXml,
  buildDelivery,
  envelope,
  getCallback,
  nowSeconds,
  postCallback,
  signed,
} from './helpers/callback-delivery.js';
import { keepUploading, postHead } from './helpers/callback-sockets.js';
import { VECTOR_A, validOptions } from './helpers/fixtures.js';

// The callback issue's hardening, on Express and Fastify: one strict envelope parse (malformed envelopes the old
// lenient fallback accepted are refused), GET answers only WeCom's echostr (a captured POST replayed as a GET gets
// 401), oversized and slow bodies end their connection, signed callbacks of unknown jobs cost nothing.

const KEYS = VECTOR_A;
const SECRETS = [KEYS.token, KEYS.encodingAESKey, validOptions().corpSecret];
const BODY_TIMEOUT_MS = 600;

/** A stand-in for WeCom's API that counts the calls it gets (it answers none of them usefully). */
async function countingApi(): Promise<{ url: string; calls: string[]; close(): Promise<void> }> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ errcode: 40088, errmsg: 'invalid jobid' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function event(jobId: string): string {
  return batchJobResultXml({ corpId: KEYS.corpId, jobId, jobType: 'sync_user' });
}

describe.each(ADAPTERS)('callback hardening on %s', (adapter) => {
  let booted: CallbackApp;
  let api: Awaited<ReturnType<typeof countingApi>>;
  let path: string;

  beforeAll(async () => {
    api = await countingApi();
    booted = await bootCallbackApp(
      adapter,
      'forRoot',
      validOptions({ apiBaseUrl: api.url, callbackBodyTimeoutMs: BODY_TIMEOUT_MS, fetchResults: true }),
    );
    path = new URL(booted.callbackUrl).pathname;
  });

  afterAll(async () => {
    await booted?.close();
    await api?.close();
    expect(booted.logger.leaking(SECRETS)).toEqual([]);
    expect(booted.logger.leaking(['hardening-'])).toEqual([]);
  });

  it.each([
    [
      // The probe's forged body (its Encrypt is not even base64 of anything: what it costs is the parse).
      'many small elements (the probe: <xml> + 4,086 × <a/> + <Encrypt>, 16 KB)',
      () => `<xml>${'<a/>'.repeat(4_086)}<Encrypt>AAAA</Encrypt></xml>`,
    ],
    ['an unclosed tag', (e: string) => `<xml><ToUserName>x</ToUserName><Encrypt>${e}</Encrypt>`],
    [
      'a comment inside Encrypt',
      (e: string) => `<xml><Encrypt>${e.slice(0, 8)}<!-- x -->${e.slice(8)}</Encrypt></xml>`,
    ],
    ['a processing instruction inside Encrypt', (e: string) => `<xml><Encrypt>${e}<?pi x?></Encrypt></xml>`],
    ['text before the root', (e: string) => `junk${envelope(e)}`],
    [
      'a CDATA section split in two',
      (e: string) => `<xml><Encrypt><![CDATA[${e.slice(0, 8)}]]><![CDATA[${e.slice(8)}]]></Encrypt></xml>`,
    ],
  ])('refuses %s, even around a validly signed Encrypt: 400, nothing completes', async (_name, wrap) => {
    await booted.submitted('hardening-envelope');
    const d = buildDelivery(KEYS, event('hardening-envelope'));
    const before = booted.events.rejected.length;
    const answer = await postCallback(booted.callbackUrl, d.query, wrap(d.encrypt));
    expect(answer.status).toBe(400);
    await waitFor(() => booted.events.rejected.length > before, 2_000, 'the rejected event');
    expect(booted.events.rejected.at(-1)).toMatchObject({ reason: 'malformed_envelope' });
    await sleep(50);
    expect(booted.events.completed.filter((e) => e.jobId === 'hardening-envelope')).toEqual([]);
  });

  it('a captured POST replayed as a GET gets 401 and never its plaintext — fresh or days later', async () => {
    const d = buildDelivery(KEYS, event('hardening-replayed'));
    const asGet = `${d.query}&echostr=${encodeURIComponent(d.encrypt)}`;
    const fresh = await getCallback(booted.callbackUrl, asGet);
    expect(fresh.status).toBe(401);
    expect(fresh.body).not.toMatch(/hardening-replayed|<xml|batch_job_result/);
    const old = buildDelivery(KEYS, event('hardening-replayed'), { timestamp: nowSeconds() - 3 * 86_400 });
    const stale = await getCallback(booted.callbackUrl, `${old.query}&echostr=${encodeURIComponent(old.encrypt)}`);
    expect(stale.status).toBe(401);
    expect(stale.body).not.toMatch(/hardening-replayed|<xml/);
    await waitFor(() => booted.events.rejected.some((e) => e.reason === 'unexpected_echostr'), 2_000, 'rejections');
    expect(booted.events.rejected.some((e) => e.reason === 'stale_timestamp' && e.method === 'GET')).toBe(true);
  });

  it('a stale GET (a genuine echostr signed an hour ago) gets 401', async () => {
    const crypto = new WeComCrypto({ ...KEYS, receiveId: KEYS.corpId });
    const echostr = crypto.encrypt('4912837465019283746');
    const ts = String(nowSeconds() - 3_600);
    const query = `msg_signature=${crypto.signature(ts, '7', echostr)}&timestamp=${ts}&nonce=7&echostr=${encodeURIComponent(echostr)}`;
    const answer = await getCallback(booted.callbackUrl, query);
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain('4912837465019283746');
  });

  it('a body past the cap followed by more bytes: 413, Connection: close, and the socket is closed', async () => {
    const d = buildDelivery(KEYS, event('hardening-big'));
    const head = postHead(path, d.query, { 'Content-Length': 100 * 1024 * 1024 });
    const exchange = await keepUploading(booted.url, head, Buffer.alloc(64 * 1024, 0x41), {
      everyMs: 5,
      deadlineMs: 4_000,
    });
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(exchange.answer.toLowerCase()).toContain('connection: close');
    expect(exchange.closedByServer).toBe(true);
    // Not the 100 MB it announced: the server stopped reading and closed the connection.
    expect(exchange.bytesWritten).toBeLessThan(20 * 1024 * 1024);
  });

  it('a slow body is cut at callbackBodyTimeoutMs: 408, Connection: close, socket closed', async () => {
    const d = buildDelivery(KEYS, event('hardening-slow'));
    const head = postHead(path, d.query, { 'Content-Length': Buffer.byteLength(d.body) });
    const started = Date.now();
    const exchange = await keepUploading(booted.url, head, Buffer.from('<'), {
      everyMs: 200, // one byte every 200 ms: it would take minutes
      deadlineMs: 5_000,
      firstChunk: Buffer.from(d.body.slice(0, 20)),
    });
    expect(exchange.answer).toMatch(/^HTTP\/1\.1 408/);
    expect(exchange.answer.toLowerCase()).toContain('connection: close');
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.answeredAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(Date.now() - started).toBeLessThan(4_000);
    await waitFor(() => booted.events.rejected.some((e) => e.reason === 'body_timeout'), 2_000, 'body_timeout');
  });

  it('an aborted upload is a handled, rate-limited refusal: no error with a stack', async () => {
    const d = buildDelivery(KEYS, event('hardening-aborted'));
    const head = postHead(path, d.query, { 'Content-Length': 5_000 });
    for (let i = 0; i < 20; i++) {
      await keepUploading(booted.url, head, Buffer.alloc(0), {
        everyMs: 10,
        deadlineMs: 30,
        firstChunk: Buffer.from('<xml><Encrypt>'),
      });
    }
    await waitFor(() => booted.events.rejected.some((e) => e.reason === 'body_unreadable'), 2_000, 'aborted');
    await sleep(100);
    const errors = booted.logger.lines.filter((l) => l.level === 'error' || /\n\s+at /.test(l.text));
    expect(errors.map((l) => l.text.split('\n')[0])).toEqual([]);
    const lines = booted.logger.lines.filter((l) => l.text.includes('body_unreadable'));
    expect(lines.length).toBeLessThanOrEqual(1);
  });

  it('a signed callback for an unknown JobId: 200, no getresult, nothing stored, one log line per window', async () => {
    const callsBefore = api.calls.length;
    const answers = [];
    for (let i = 0; i < 200; i++) {
      const d = buildDelivery(KEYS, event(`hardening-unknown-${i}`));
      answers.push((await postCallback(booted.callbackUrl, d.query, d.body)).status);
    }
    expect(new Set(answers)).toEqual(new Set([200]));
    await sleep(300);
    expect(api.calls.slice(callsBefore)).toEqual([]);
    expect(await booted.store.getJob(KEYS.corpId, 'hardening-unknown-0')).toBeNull();
    expect(await booted.store.listPendingJobs(KEYS.corpId)).toEqual(
      (await booted.store.listPendingJobs(KEYS.corpId)).filter((r) => !r.jobId.startsWith('hardening-unknown-')),
    );
    expect(booted.events.completed.filter((e) => e.jobId.startsWith('hardening-unknown-'))).toEqual([]);
    const lines = booted.logger.lines.filter((l) => l.text.includes('for a job with no record'));
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('warn');
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s gets 405 with Allow: GET, POST', async (method) => {
    const response = await fetch(booted.callbackUrl, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
  });

  it('echoes no request header in an answer (a JSON Content-Type with markup in it)', async () => {
    const d = signed(KEYS, 'AAAA');
    const answer = await postCallback(
      booted.callbackUrl,
      d.query,
      '{}',
      'application/json; x=<script>alert(1)</script>',
    );
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('<script>');
    expect(answer.body).not.toContain('x=');
  });
});

describe.each(ADAPTERS)('callbackUrlVerification: false on %s', (adapter) => {
  it('answers every GET 403 and decrypts nothing; POST deliveries still work', async () => {
    const booted = await bootCallbackApp(
      adapter,
      'forRoot',
      validOptions({ callbackUrlVerification: false, fetchResults: false }),
    );
    try {
      const crypto = new WeComCrypto({ ...KEYS, receiveId: KEYS.corpId });
      const echostr = crypto.encrypt('1616140317555161061');
      const ts = String(nowSeconds());
      const query = `msg_signature=${crypto.signature(ts, '1', echostr)}&timestamp=${ts}&nonce=1&echostr=${encodeURIComponent(echostr)}`;
      const answer = await getCallback(booted.callbackUrl, query);
      expect(answer.status).toBe(403);
      expect(answer.body).not.toContain('1616140317555161061');
      await booted.submitted('no-get-1');
      const d = buildDelivery(KEYS, event('no-get-1'));
      expect((await postCallback(booted.callbackUrl, d.query, d.body)).status).toBe(200);
      await waitFor(() => booted.events.completed.some((e) => e.jobId === 'no-get-1'), 5_000, 'completed');
    } finally {
      await booted.close();
    }
  });
});
