import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MemoryStore } from '../stores/memory.store.js';
import { apiFailure as failure, clientOptions, createClient, simulatorPerTest } from './client.spec-helper.js';

describe('WeComClient retries', () => {
  const t = simulatorPerTest();
  const { received, count } = t;

  describe('retries', () => {
    it('-1 twice, then success: three requests, the call succeeds', async () => {
      t.sim.failNext('batch/getresult', { errcode: -1, errmsg: 'system busy', times: 2 });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.get('batch/getresult', { jobid: 'j' })).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(count('batch/getresult')).toBe(3);
      expect(count('gettoken')).toBe(1);
    });

    it('gives up after maxRetries with a retryable error counting every attempt', async () => {
      t.sim.failNext('batch/getresult', { errcode: -1, errmsg: 'system busy', times: 5 });
      const { client } = createClient(
        clientOptions(t.sim.baseUrl, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } }),
      );
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'api', errcode: -1, retryable: true, attempts: 3 });
      expect(count('batch/getresult')).toBe(3);
    });

    it('maxRetries 0 makes exactly one attempt and still reports the real error', async () => {
      t.sim.failNext('batch/getresult', { errcode: -1, errmsg: 'system busy' });
      const { client } = createClient(clientOptions(t.sim.baseUrl, { retry: { maxRetries: 0 } }));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ errcode: -1, retryable: true, attempts: 1 });
      expect(count('batch/getresult')).toBe(1);
    });

    it.each([6000, 45033, 302005])('%i is retried', async (errcode) => {
      t.sim.failNext('batch/getresult', { errcode, errmsg: 'transient' });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(count('batch/getresult')).toBe(2);
    });

    it('45009 waits the rate-limit window, then succeeds', async () => {
      t.sim.failNext('batch/getresult', { errcode: 45009, errmsg: 'api freq out of limit' });
      const { client } = createClient(
        clientOptions(t.sim.baseUrl, { retry: { rateLimitDelayMs: 300, baseDelayMs: 1 } }),
      );
      const started = Date.now();
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(count('batch/getresult')).toBe(2);
    });

    it('a job submission answered with an errcode (-1, 45009) is retried: WeCom refused it before doing anything', async () => {
      t.sim.failNext('batch/syncuser', { errcode: -1, errmsg: 'busy' });
      t.sim.failNext('batch/syncuser', { errcode: 45009, errmsg: 'freq' });
      t.sim.respondWith('batch/syncuser', () => ({ body: { errcode: 0, errmsg: 'ok', jobid: 'JOB1' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false })).resolves.toMatchObject({
        jobid: 'JOB1',
      });
      expect(count('batch/syncuser')).toBe(3);
    });

    it('a connection reset on an idempotent GET is retried', async () => {
      t.sim.resetNext('batch/getresult');
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(count('batch/getresult')).toBe(2);
    });

    it('resets until retries run out: a transport error with its code', async () => {
      t.sim.resetNext('batch/getresult', { times: 3 });
      const { client } = createClient(
        clientOptions(t.sim.baseUrl, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } }),
      );
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({
        kind: 'transport',
        transportCode: 'ECONNRESET',
        errcode: null,
        retryable: true,
        maybeDelivered: false,
        attempts: 3,
      });
    });

    it('a timeout after send on a job submission: maybeDelivered, not re-sent (one request at WeCom)', async () => {
      t.sim.hangNext('batch/syncuser');
      const { client } = createClient(clientOptions(t.sim.baseUrl, { requestTimeoutMs: 300 }));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'transport', maybeDelivered: true, retryable: false, attempts: 1 });
      expect(error.transportCode).toMatch(/^(ECONNABORTED|ETIMEDOUT)$/);
      expect(error.message).toContain('may have processed it');
      expect(count('batch/syncuser')).toBe(1);
    });

    it('a reset after send on a job submission: maybeDelivered, not re-sent', async () => {
      t.sim.resetNext('batch/replaceuser');
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.post('batch/replaceuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({
        kind: 'transport',
        transportCode: 'ECONNRESET',
        maybeDelivered: true,
        retryable: false,
      });
      expect(count('batch/replaceuser')).toBe(1);
    });

    it('reuses pooled connections for calls, but sends each job submission on a new connection', async () => {
      t.sim.respondWith('batch/syncuser', () => ({ body: { errcode: 0, errmsg: 'ok', jobid: 'J' } }));
      const { client, close } = createClient(clientOptions(t.sim.baseUrl));
      await client.get('batch/getresult');
      await client.get('batch/getresult');
      await client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false });
      await client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false });

      const port = (endpoint: Parameters<typeof received>[0], i: number): number | undefined =>
        received(endpoint)[i].remotePort;
      expect(port('batch/getresult', 1)).toBe(port('batch/getresult', 0));
      const pooled = new Set([port('gettoken', 0), port('batch/getresult', 0)]);
      expect(pooled.has(port('batch/syncuser', 0))).toBe(false);
      expect(port('batch/syncuser', 1)).not.toBe(port('batch/syncuser', 0));
      close();
    });

    it('a timeout on an idempotent GET is retried', async () => {
      t.sim.hangNext('batch/getresult');
      const { client } = createClient(clientOptions(t.sim.baseUrl, { requestTimeoutMs: 300 }));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(count('batch/getresult')).toBe(2);
    });

    it('a refused connection is retried even for a job submission (nothing was sent)', async () => {
      // A closed port: every connection attempt is refused. The token is already cached, so only the
      // submission itself tries to connect.
      const port = await closedPort();
      const store = new MemoryStore();
      const options = clientOptions(`http://127.0.0.1:${port}`, { retry: { maxRetries: 2, baseDelayMs: 1 } });
      const { client, tokens } = createClient(options, store);
      await store.setToken(tokens.key, {
        token: 'CACHED-TOKEN-123',
        fetchedAt: Date.now(),
        expiresAt: Date.now() + 7_200_000,
      });

      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));

      expect(error).toMatchObject({
        kind: 'transport',
        transportCode: 'ECONNREFUSED',
        maybeDelivered: false,
        retryable: true,
        attempts: 3,
      });
    });

    it('a non-200 answer (a proxy) is retried for a GET, and reported as http with its status', async () => {
      t.sim.answerNext('batch/getresult', { status: 502, body: '<html>Bad Gateway</html>' });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });

      t.sim.answerNext('batch/getresult', { status: 503, body: 'busy' }, 4);
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 503, errcode: null, retryable: true, attempts: 4 });
    });

    it('a non-200 answer to a job submission is not re-sent (a proxy may have forwarded it)', async () => {
      t.sim.answerNext('batch/syncuser', { status: 504, body: 'Gateway Timeout' });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 504, maybeDelivered: true, retryable: false });
      expect(count('batch/syncuser')).toBe(1);
    });

    it('a non-200 answer carrying a WeCom errcode is classified by the errcode', async () => {
      t.sim.answerNext('batch/getresult', {
        status: 500,
        body: JSON.stringify({ errcode: 40088, errmsg: 'jobid not found' }),
      });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'api', errcode: 40088, httpStatus: 500, retryable: false });
    });

    it('a 200 that is not JSON (captive portal) is an http error', async () => {
      t.sim.answerNext('batch/getresult', { status: 200, body: '<html>login</html>' }, 4);
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 200, retryable: true });
    });

    it('an abort during the backoff ends the call at once with kind "aborted"', async () => {
      t.sim.failNext('batch/getresult', { errcode: 45009, errmsg: 'freq' });
      const { client } = createClient(clientOptions(t.sim.baseUrl, { retry: { rateLimitDelayMs: 10_000 } }));
      const controller = new AbortController();
      const pending = client.get('batch/getresult', undefined, { signal: controller.signal });
      // Abort once the first attempt was answered (45009), i.e. during the 10 s backoff — not after a fixed delay,
      // which on a loaded machine can fall before the first attempt was even sent.
      while (count('batch/getresult') < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      controller.abort();
      const started = Date.now();
      const error = await failure(pending);
      expect(error).toMatchObject({ kind: 'aborted', retryable: false });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(count('batch/getresult')).toBe(1);
    });

    it('an abort while a job submission is in flight reports maybeDelivered', async () => {
      t.sim.hangNext('batch/syncuser');
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const controller = new AbortController();
      const pending = client.post(
        'batch/syncuser',
        { media_id: 'm' },
        { idempotent: false, signal: controller.signal },
      );
      while (count('batch/syncuser') === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const error = await failure(pending);
      expect(error).toMatchObject({ kind: 'aborted', maybeDelivered: true, retryable: false });
    });
  });
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
