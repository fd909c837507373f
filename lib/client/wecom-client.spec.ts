import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { WeComBatchError } from '../errors/wecom-batch.error.js';
import { MemoryStore } from '../stores/memory.store.js';
import type { AccessTokenManager } from './access-token.manager.js';
import {
  captureLogs,
  CORP_ID,
  CORP_SECRET,
  createClient,
  FakeWeCom,
  fakeOptions,
  parseMultipart,
} from './testing-fake-wecom.spec-helper.js';
import { WeComBatchModule } from '../wecom-batch.module.js';
import { MAX_MEDIA_FILE_BYTES, WeComClient } from './wecom-client.js';

async function failure(promise: Promise<unknown>): Promise<WeComApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WeComApiError);
    return error as WeComApiError;
  }
  throw new Error('expected the call to fail');
}

function tokenKey(client: WeComClient): string {
  return (client as unknown as { tokens: AccessTokenManager }).tokens.key;
}

describe('WeComClient', () => {
  let fake: FakeWeCom;
  let logs: ReturnType<typeof captureLogs>;

  // Per test: compiling a Nest testing module replaces the static logger.
  beforeEach(() => {
    logs = captureLogs();
  });
  afterEach(() => {
    logs.restore();
  });

  beforeEach(async () => {
    fake = await new FakeWeCom().start();
  });
  afterEach(async () => {
    await fake.close();
  });

  it("is provided by WeComBatchModule, on the module's own HTTP instance", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({ corpId: CORP_ID, corpSecret: CORP_SECRET, apiBaseUrl: fake.baseUrl }),
      ],
    }).compile();
    try {
      const client = moduleRef.get(WeComClient, { strict: false });
      await expect(client.get('batch/getresult', { jobid: 'j' })).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(fake.count('gettoken')).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });

  describe('success detection', () => {
    it('resolves the parsed JSON when errcode is 0, with the token in the query string first', async () => {
      fake.on('batch/getresult', () => ({ errcode: 0, errmsg: 'ok', status: 3, total: 2 }));
      const { client } = createClient(fakeOptions(fake));

      const answer = await client.get<{ status: number; total: number }>('batch/getresult', {
        jobid: 'job 1/é',
        skipped: undefined,
        n: 7,
      });

      expect(answer).toEqual({ errcode: 0, errmsg: 'ok', status: 3, total: 2 });
      const [request] = fake.requests('batch/getresult');
      expect(request.method).toBe('GET');
      expect([...request.query.keys()]).toEqual(['access_token', 'jobid', 'n']);
      expect(request.query.get('access_token')).toBe(fake.issuedTokens[0]);
      expect(request.query.get('jobid')).toBe('job 1/é');
    });

    it('treats an answer without errcode as a success (media/upload style)', async () => {
      fake.on('user/get', () => ({ userid: 'zhangsan', name: '张三' }));
      const { client } = createClient(fakeOptions(fake));
      await expect(client.get('user/get', { userid: 'zhangsan' })).resolves.toEqual({
        userid: 'zhangsan',
        name: '张三',
      });
    });

    it('POSTs JSON with the token only in the query string, never in the body', async () => {
      fake.on('batch/invite', () => ({ errcode: 0, errmsg: 'ok', invaliduser: ['x'] }));
      const { client } = createClient(fakeOptions(fake));

      const answer = await client.post<{ invaliduser: string[] }>('batch/invite', { user: ['x', '李四'] });

      expect(answer.invaliduser).toEqual(['x']);
      const [request] = fake.requests('batch/invite');
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      // UTF-8, not \uXXXX escapes (WeCom answers 40033 to escaped characters).
      expect(request.body.toString('utf8')).toBe('{"user":["x","李四"]}');
      expect(request.query.get('access_token')).toBe(fake.issuedTokens[0]);
    });

    it('accepts errcode sent as a numeric string', async () => {
      fake.on('batch/getresult', () => ({ errcode: '40088', errmsg: 'jobid not found' }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.get('batch/getresult', { jobid: 'x' }));
      expect(error.errcode).toBe(40088);
    });
  });

  describe('errors', () => {
    it('turns a business errcode into a WeComApiError with every field, without retrying', async () => {
      const errmsg =
        'invalid jobid, hint: [1576065934_28_e0fae], from ip: 9.30.0.138, more info at https://open.work.weixin.qq.com/devtool/query?e=40088';
      fake.on('batch/getresult', () => ({ errcode: 40088, errmsg }));
      const { client } = createClient(fakeOptions(fake));

      const error = await failure(client.get('batch/getresult', { jobid: 'nope' }));

      expect(error).toBeInstanceOf(WeComBatchError);
      expect(error).toMatchObject({
        name: 'WeComApiError',
        kind: 'api',
        errcode: 40088,
        errmsg,
        endpoint: 'batch/getresult',
        retryable: false,
        maybeDelivered: false,
        attempts: 1,
      });
      expect(error.message).toContain('batch/getresult');
      expect(error.message).toContain('40088');
      expect(error.message).toContain('hint: [1576065934_28_e0fae]');
      expect(fake.count('batch/getresult')).toBe(1);
    });

    it('returns 302008 (another import running) as a plain non-retryable error: the import queue handles it', async () => {
      fake.on('batch/syncuser', () => ({ errcode: 302008, errmsg: 'batch job is running' }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'api', errcode: 302008, retryable: false, maybeDelivered: false });
      expect(fake.count('batch/syncuser')).toBe(1);
    });

    it('40001 from gettoken: a config error after exactly one gettoken, and no gettoken storm afterwards', async () => {
      const { client } = createClient(fakeOptions(fake, { corpSecret: 'a-wrong-secret-value' }));

      const first = await failure(client.get('batch/getresult', { jobid: 'j' }));
      const again = await failure(client.get('batch/getresult', { jobid: 'j' }));

      expect(first).toMatchObject({ kind: 'config', errcode: 40001, endpoint: 'gettoken', retryable: false });
      expect(first.message).toContain('corpSecret');
      expect(first.message).toContain('通讯录同步');
      expect(first.message).toContain(CORP_ID);
      expect(again.errcode).toBe(40001);
      expect(fake.count('gettoken')).toBe(1);
      expect(fake.count('batch/getresult')).toBe(0);
    });

    it('48002 says which secret and permission to configure', async () => {
      fake.on('batch/syncuser', () => ({ errcode: 48002, errmsg: 'api forbidden, hint: [x]' }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({
        kind: 'config',
        errcode: 48002,
        retryable: false,
        errmsg: 'api forbidden, hint: [x]',
      });
      expect(error.message).toContain('通讯录同步');
      expect(error.message).toContain('API编辑通讯录');
      expect(error.message).toContain('corpSecret');
      expect(fake.count('gettoken')).toBe(1);
      expect(fake.count('batch/syncuser')).toBe(1);
    });

    it('60020 names the IP WeCom saw and where to allow-list it', async () => {
      fake.on('batch/getresult', () => ({
        errcode: 60020,
        errmsg:
          'not allow to access from your ip, hint: [x], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
      }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.get('batch/getresult', { jobid: 'j' }));
      expect(error).toMatchObject({ kind: 'config', errcode: 60020, retryable: false });
      expect(error.message).toContain('203.0.113.7');
      expect(error.message).toContain('企业可信IP');
      expect(fake.count('batch/getresult')).toBe(1);
    });

    it.each([40013, 40091, 41001])('%i is a configuration error, not retried', async (errcode) => {
      fake.on('batch/getresult', () => ({ errcode, errmsg: 'bad' }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'config', errcode, retryable: false });
      expect(fake.count('batch/getresult')).toBe(1);
      expect(fake.count('gettoken')).toBe(1);
    });

    it('refuses an endpoint that is not a relative path (the token must not go elsewhere), sending nothing', async () => {
      const { client } = createClient(fakeOptions(fake));
      for (const endpoint of ['http://evil.example/x', '../gettoken', '/batch/getresult', 'batch/getresult?x=1']) {
        const error = await failure(client.get(endpoint));
        expect(error).toMatchObject({ kind: 'local', retryable: false });
      }
      expect(fake.received).toHaveLength(0);
    });
  });

  describe('retries', () => {
    it('-1 twice, then success: three requests, the call succeeds', async () => {
      fake.script('batch/getresult', { errcode: -1, errmsg: 'system busy' }, { errcode: -1, errmsg: 'system busy' });
      const { client } = createClient(fakeOptions(fake));
      await expect(client.get('batch/getresult', { jobid: 'j' })).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(fake.count('batch/getresult')).toBe(3);
      expect(fake.count('gettoken')).toBe(1);
    });

    it('gives up after maxRetries with a retryable error counting every attempt', async () => {
      const busy = { errcode: -1, errmsg: 'system busy' };
      fake.script('batch/getresult', busy, busy, busy, busy, busy);
      const { client } = createClient(fakeOptions(fake, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 } }));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'api', errcode: -1, retryable: true, attempts: 3 });
      expect(fake.count('batch/getresult')).toBe(3);
    });

    it('maxRetries 0 makes exactly one attempt and still reports the real error', async () => {
      fake.script('batch/getresult', { errcode: -1, errmsg: 'system busy' });
      const { client } = createClient(fakeOptions(fake, { retry: { maxRetries: 0 } }));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ errcode: -1, retryable: true, attempts: 1 });
      expect(fake.count('batch/getresult')).toBe(1);
    });

    it.each([6000, 45033, 302005])('%i is retried', async (errcode) => {
      fake.script('batch/getresult', { errcode, errmsg: 'transient' });
      const { client } = createClient(fakeOptions(fake));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(fake.count('batch/getresult')).toBe(2);
    });

    it('45009 waits the rate-limit window, then succeeds', async () => {
      fake.script('batch/getresult', { errcode: 45009, errmsg: 'api freq out of limit' });
      const { client } = createClient(fakeOptions(fake, { retry: { rateLimitDelayMs: 300, baseDelayMs: 1 } }));
      const started = Date.now();
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(fake.count('batch/getresult')).toBe(2);
    });

    it('a job submission answered with an errcode (-1, 45009) is retried: WeCom refused it before doing anything', async () => {
      fake.script('batch/syncuser', { errcode: -1, errmsg: 'busy' }, { errcode: 45009, errmsg: 'freq' });
      fake.on('batch/syncuser', () => ({ errcode: 0, errmsg: 'ok', jobid: 'JOB1' }));
      const { client } = createClient(fakeOptions(fake));
      await expect(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false })).resolves.toMatchObject({
        jobid: 'JOB1',
      });
      expect(fake.count('batch/syncuser')).toBe(3);
    });

    it('a connection reset on an idempotent GET is retried', async () => {
      fake.script('batch/getresult', 'reset');
      const { client } = createClient(fakeOptions(fake));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(fake.count('batch/getresult')).toBe(2);
    });

    it('resets until retries run out: a transport error with its code', async () => {
      fake.script('batch/getresult', 'reset', 'reset', 'reset');
      const { client } = createClient(fakeOptions(fake, { retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 } }));
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
      fake.script('batch/syncuser', 'hang');
      const { client } = createClient(fakeOptions(fake, { requestTimeoutMs: 300 }));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'transport', maybeDelivered: true, retryable: false, attempts: 1 });
      expect(error.transportCode).toMatch(/^(ECONNABORTED|ETIMEDOUT)$/);
      expect(error.message).toContain('may have processed it');
      expect(fake.count('batch/syncuser')).toBe(1);
    });

    it('a reset after send on a job submission: maybeDelivered, not re-sent', async () => {
      fake.script('batch/replaceuser', 'reset');
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.post('batch/replaceuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({
        kind: 'transport',
        transportCode: 'ECONNRESET',
        maybeDelivered: true,
        retryable: false,
      });
      expect(fake.count('batch/replaceuser')).toBe(1);
    });

    it('reuses pooled connections for calls, but sends each job submission on a new connection', async () => {
      fake.on('batch/syncuser', () => ({ errcode: 0, errmsg: 'ok', jobid: 'J' }));
      const { client } = createClient(fakeOptions(fake));
      await client.get('batch/getresult');
      await client.get('batch/getresult');
      await client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false });
      await client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false });

      const port = (endpoint: string, i: number): number | undefined => fake.requests(endpoint)[i].remotePort;
      expect(port('batch/getresult', 1)).toBe(port('batch/getresult', 0));
      const pooled = new Set([port('gettoken', 0), port('batch/getresult', 0)]);
      expect(pooled.has(port('batch/syncuser', 0))).toBe(false);
      expect(port('batch/syncuser', 1)).not.toBe(port('batch/syncuser', 0));
      client.onModuleDestroy();
    });

    it('a timeout on an idempotent GET is retried', async () => {
      fake.script('batch/getresult', 'hang');
      const { client } = createClient(fakeOptions(fake, { requestTimeoutMs: 300 }));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(fake.count('batch/getresult')).toBe(2);
    });

    it('a refused connection is retried even for a job submission (nothing was sent)', async () => {
      // A closed port: every connection attempt is refused. The token is already cached, so only the
      // submission itself tries to connect.
      const port = await closedPort();
      const store = new MemoryStore();
      const options = fakeOptions(fake, {
        apiBaseUrl: `http://127.0.0.1:${port}`,
        retry: { maxRetries: 2, baseDelayMs: 1 },
      });
      const { client } = createClient(options, store);
      await store.setToken(tokenKey(client), {
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
      fake.script('batch/getresult', { status: 502, body: '<html>Bad Gateway</html>' });
      const { client } = createClient(fakeOptions(fake));
      await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });

      fake.script('batch/getresult', ...Array.from({ length: 4 }, () => ({ status: 503, body: 'busy' })));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 503, errcode: null, retryable: true, attempts: 4 });
    });

    it('a non-200 answer to a job submission is not re-sent (a proxy may have forwarded it)', async () => {
      fake.script('batch/syncuser', { status: 504, body: 'Gateway Timeout' });
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 504, maybeDelivered: true, retryable: false });
      expect(fake.count('batch/syncuser')).toBe(1);
    });

    it('a non-200 answer carrying a WeCom errcode is classified by the errcode', async () => {
      fake.script('batch/getresult', {
        status: 500,
        body: JSON.stringify({ errcode: 40088, errmsg: 'jobid not found' }),
      });
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'api', errcode: 40088, httpStatus: 500, retryable: false });
    });

    it('a 200 that is not JSON (captive portal) is an http error', async () => {
      fake.script('batch/getresult', ...Array.from({ length: 4 }, () => ({ status: 200, body: '<html>login</html>' })));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'http', httpStatus: 200, retryable: true });
    });

    it('an abort during the backoff ends the call at once with kind "aborted"', async () => {
      fake.script('batch/getresult', { errcode: 45009, errmsg: 'freq' });
      const { client } = createClient(fakeOptions(fake, { retry: { rateLimitDelayMs: 10_000 } }));
      const controller = new AbortController();
      const pending = client.get('batch/getresult', undefined, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const error = await failure(pending);
      expect(error).toMatchObject({ kind: 'aborted', retryable: false });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(fake.count('batch/getresult')).toBe(1);
    });

    it('an abort while a job submission is in flight reports maybeDelivered', async () => {
      fake.script('batch/syncuser', 'hang');
      const { client } = createClient(fakeOptions(fake));
      const controller = new AbortController();
      const pending = client.post(
        'batch/syncuser',
        { media_id: 'm' },
        { idempotent: false, signal: controller.signal },
      );
      while (fake.count('batch/syncuser') === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      const error = await failure(pending);
      expect(error).toMatchObject({ kind: 'aborted', maybeDelivered: true, retryable: false });
    });
  });

  describe('uploadMedia', () => {
    it('sends multipart field "media" with the filename and content type to media/upload?type=file', async () => {
      fake.on('media/upload', () => ({
        errcode: 0,
        errmsg: '',
        type: 'file',
        media_id: 'MEDIA-1',
        created_at: '1380000000',
      }));
      const { client } = createClient(fakeOptions(fake));
      const csv = Buffer.from('姓名,帐号,手机号\n张三,zhangsan,13800000000\n', 'utf8');

      const media = await client.uploadMedia(csv, 'members.csv');

      expect(media).toEqual({ mediaId: 'MEDIA-1', createdAt: 1380000000 });
      const [request] = fake.requests('media/upload');
      expect(request.method).toBe('POST');
      expect(request.query.get('type')).toBe('file');
      expect(request.query.get('access_token')).toBe(fake.issuedTokens[0]);
      const parts = parseMultipart(request.headers['content-type'], request.body);
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ name: 'media', filename: 'members.csv', contentType: 'text/csv' });
      expect(parts[0].data.equals(csv)).toBe(true);
    });

    it('accepts created_at as a number', async () => {
      fake.on('media/upload', () => ({ type: 'file', media_id: 'MEDIA-2', created_at: 1380000001 }));
      const { client } = createClient(fakeOptions(fake));
      await expect(client.uploadMedia(Buffer.from('abcdefgh'), 'a.csv')).resolves.toEqual({
        mediaId: 'MEDIA-2',
        createdAt: 1380000001,
      });
    });

    it('sends a file of exactly 20 MB, and refuses 20 MB + 1 byte locally without any request', async () => {
      fake.on('media/upload', (request) => ({ media_id: `M-${request.body.length}`, created_at: 1 }));
      const { client } = createClient(fakeOptions(fake, { requestTimeoutMs: 20_000 }));

      const big = await client.uploadMedia(Buffer.alloc(MAX_MEDIA_FILE_BYTES, 0x61), 'big.csv');
      expect(big.mediaId).toMatch(/^M-\d+$/);
      expect(fake.count('media/upload')).toBe(1);

      fake.received.length = 0;
      const { client: fresh } = createClient(fakeOptions(fake));
      const error = await failure(fresh.uploadMedia(Buffer.alloc(MAX_MEDIA_FILE_BYTES + 1), 'big.csv'));
      expect(error).toMatchObject({ kind: 'local', errcode: 45001, endpoint: 'media/upload', retryable: false });
      expect(error.message).toContain('20 MB');
      expect(fake.received).toHaveLength(0); // not even a gettoken
    });

    it('refuses files of 5 bytes or less locally', async () => {
      const { client } = createClient(fakeOptions(fake));
      for (const size of [0, 5]) {
        const error = await failure(client.uploadMedia(Buffer.alloc(size, 0x61), 'tiny.csv'));
        expect(error).toMatchObject({ kind: 'local', errcode: 40006, retryable: false });
      }
      expect(fake.received).toHaveLength(0);
    });

    it('refuses a filename that would break the Content-Disposition header', async () => {
      const { client } = createClient(fakeOptions(fake));
      for (const name of ['', 'a"b.csv', 'dir/a.csv', 'a\r\nX-Evil: 1.csv']) {
        const error = await failure(client.uploadMedia(Buffer.from('abcdefgh'), name));
        expect(error.kind).toBe('local');
      }
      expect(fake.received).toHaveLength(0);
    });

    it('retries an upload after a reset (a second upload only creates an unused media_id)', async () => {
      fake.script('media/upload', 'reset');
      fake.on('media/upload', (request) => {
        const [part] = parseMultipart(request.headers['content-type'], request.body);
        return { media_id: `M-${part.data.toString()}`, created_at: 1 };
      });
      const { client } = createClient(fakeOptions(fake));
      await expect(client.uploadMedia(Buffer.from('content-1'), 'a.csv')).resolves.toMatchObject({
        mediaId: 'M-content-1',
      });
      expect(fake.count('media/upload')).toBe(2);
    });

    it('reports a success without media_id as an unexpected answer', async () => {
      fake.on('media/upload', () => ({ errcode: 0, errmsg: 'ok' }));
      const { client } = createClient(fakeOptions(fake));
      const error = await failure(client.uploadMedia(Buffer.from('abcdefgh'), 'a.csv'));
      expect(error).toMatchObject({ kind: 'response', endpoint: 'media/upload', retryable: false });
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
