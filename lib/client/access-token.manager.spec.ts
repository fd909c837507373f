import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { MemoryStore } from '../stores/memory.store.js';
import type { TokenRecord, WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import { Redactor } from '../internal/redactor.util.js';
import type { WeComSimulator } from '../testing/index.js';
import { AccessTokenManager } from './access-token.manager.js';
import {
  apiFailure as failure,
  captureLogs,
  clientOptions,
  CORP_ID,
  CORP_SECRET,
  createClient,
  startSimulator,
} from './client.spec-helper.js';
import type { WeComClient } from './wecom-client.service.js';

function manager(client: WeComClient): AccessTokenManager {
  return (client as unknown as { tokens: AccessTokenManager }).tokens;
}

describe('access tokens', () => {
  let sim: WeComSimulator;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(() => {
    logs = captureLogs();
  });
  afterAll(() => {
    logs.restore();
  });
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    const issued = sim.issuedTokens(CORP_ID);
    await sim.close();
    // Whatever happened in the spec, no token or secret reached a log line.
    for (const secret of [CORP_SECRET, ...issued]) {
      expect(logs.lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });

  it('1,000 concurrent calls on a cold cache → exactly one gettoken', async () => {
    sim.configureTokens({ answerDelayMs: 30 });
    // A generous timeout: on a loaded CI machine the last of 1,000 queued requests may wait seconds for a
    // pooled connection, and a timeout retry would blur the request count this spec asserts.
    const { client } = createClient(clientOptions(sim.baseUrl, { requestTimeoutMs: 30_000 }));

    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => client.get('batch/getresult', { jobid: `j${i}` })),
    );

    expect(results).toHaveLength(1000);
    expect(sim.requests('gettoken').length).toBe(1);
    expect(sim.requests('batch/getresult').length).toBe(1000);
    const used = new Set(sim.rawRequests('batch/getresult').map((r) => r.accessToken));
    expect([...used]).toEqual([sim.issuedTokens(CORP_ID)[0]]);
  });

  it('two instances sharing a store on a cold cache → one gettoken (the store lock, then the re-check)', async () => {
    sim.configureTokens({ answerDelayMs: 60 });
    const store = new MemoryStore();
    const a = createClient(clientOptions(sim.baseUrl, { requestTimeoutMs: 30_000 }), store).client;
    const b = createClient(clientOptions(sim.baseUrl, { requestTimeoutMs: 30_000 }), store).client;

    await Promise.all([
      ...Array.from({ length: 100 }, () => a.get('batch/getresult')),
      ...Array.from({ length: 100 }, () => b.get('batch/getresult')),
    ]);

    expect(sim.requests('gettoken').length).toBe(1);
    expect(new Set(sim.rawRequests('batch/getresult').map((r) => r.accessToken)).size).toBe(1);
  });

  it('caches under a key made of the base URL, CorpID and a hash of the secret — never the secret itself', async () => {
    const store = new MemoryStore();
    const options = clientOptions(sim.baseUrl);
    const { client } = createClient(options, store);
    await client.get('batch/getresult');

    const key = manager(client).key;
    expect(key).not.toContain(CORP_SECRET);
    expect(key).toContain(options.corpId);
    expect((await store.getToken(key))?.token).toBe(sim.issuedTokens(CORP_ID)[0]);

    // Another secret, or another base URL, is another cache entry.
    const other = createClient(clientOptions(sim.baseUrl, { corpSecret: `${CORP_SECRET}-2` }), store).client;
    const proxied = createClient(clientOptions(`${sim.baseUrl}/proxy`), store).client;
    expect(new Set([key, manager(other).key, manager(proxied).key]).size).toBe(3);
    const sha = createHash('sha256').update(CORP_SECRET).digest('hex');
    expect(key).not.toContain(sha); // the raw hash of the secret is not exposed either
  });

  it('42001 mid-flight (WeCom invalidated the token early) → one refresh, the call succeeds', async () => {
    const { client } = createClient(clientOptions(sim.baseUrl));
    await client.get('batch/getresult');
    sim.expireTokens();

    await expect(client.get('batch/getresult')).resolves.toEqual({ errcode: 0, errmsg: 'ok' });

    expect(sim.requests('gettoken').length).toBe(2);
    const tokens = sim.rawRequests('batch/getresult').map((r) => r.accessToken);
    const issued = sim.issuedTokens(CORP_ID);
    expect(tokens).toEqual([issued[0], issued[0], issued[1]]);
  });

  it('a burst of 42001s after early invalidation → still one refresh', async () => {
    const { client } = createClient(clientOptions(sim.baseUrl));
    await client.get('batch/getresult');
    sim.expireTokens();

    await Promise.all(Array.from({ length: 200 }, () => client.get('batch/getresult')));

    expect(sim.requests('gettoken').length).toBe(2);
  });

  it('40014 after another request already refreshed → no second refresh, the newer token is kept', async () => {
    const store = new MemoryStore();
    const { client } = createClient(clientOptions(sim.baseUrl), store);
    sim.respondWith('user/get', () => ({ body: { errcode: 0, errmsg: 'ok' } }));
    await client.get('user/get'); // warm: token T1
    // WeCom refuses T1 from now on: the first refusal comes at once (that call refreshes to T2), the second
    // only after 200 ms — its compare-and-invalidate must not drop T2.
    const t1 = sim.issuedTokens(CORP_ID)[0];
    let refusals = 0;
    sim.respondWith('batch/getresult', (request) => {
      if (request.accessToken !== t1) return { body: { errcode: 0, errmsg: 'ok' } };
      const refused = { errcode: 40014, errmsg: 'invalid access_token' };
      return ++refusals === 1 ? { body: refused } : { body: refused, delayMs: 200 };
    });

    await Promise.all([client.get('batch/getresult'), client.get('batch/getresult')]);

    expect(sim.requests('gettoken').length).toBe(2);
    const t2 = sim.issuedTokens(CORP_ID)[1];
    const sent = sim.rawRequests('batch/getresult').map((r) => r.accessToken);
    expect(sent.sort()).toEqual([t1, t1, t2, t2].sort());
    expect((await store.getToken(manager(client).key))?.token).toBe(t2);
  });

  it('a token refused twice in a row is not refreshed again: one retry, never a loop', async () => {
    sim.failNext('batch/getresult', { errcode: 40014, errmsg: 'invalid access_token', times: 3 });
    const { client } = createClient(clientOptions(sim.baseUrl));

    const error = await failure(client.get('batch/getresult'));

    expect(error).toMatchObject({ kind: 'api', errcode: 40014, retryable: false, attempts: 2 });
    expect(sim.requests('gettoken').length).toBe(2);
    expect(sim.requests('batch/getresult').length).toBe(2);
  });

  it('one token refresh per call, even when a retry (-1) follows the refresh', async () => {
    sim.failNext('batch/getresult', { errcode: 40014, errmsg: 'invalid access_token' });
    sim.failNext('batch/getresult', { errcode: -1, errmsg: 'busy' });
    sim.failNext('batch/getresult', { errcode: 40014, errmsg: 'invalid access_token' });
    const { client } = createClient(clientOptions(sim.baseUrl));

    const error = await failure(client.get('batch/getresult'));

    expect(error).toMatchObject({ errcode: 40014, attempts: 3 });
    expect(sim.requests('gettoken').length).toBe(2);
  });

  it('a token refusal on a job submission is retried once with the new token (WeCom did nothing)', async () => {
    sim.failNext('batch/syncuser', { errcode: 42001, errmsg: 'access_token expired' });
    sim.respondWith('batch/syncuser', () => ({ body: { errcode: 0, errmsg: 'ok', jobid: 'JOB' } }));
    const { client } = createClient(clientOptions(sim.baseUrl));
    await expect(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false })).resolves.toMatchObject({
      jobid: 'JOB',
    });
    expect(sim.requests('batch/syncuser').length).toBe(2);
  });

  it('another instance refreshing: this one waits for its token instead of calling gettoken', async () => {
    const store = new MemoryStore();
    const { client } = createClient(clientOptions(sim.baseUrl), store);
    const { key, lockName } = manager(client);
    // Someone else holds the refresh lock and stores a token 150 ms later.
    const lease = await store.acquireLock(lockName, 10_000);
    expect(lease).not.toBeNull();
    const fromTheOther = sim.issueToken(CORP_ID);
    setTimeout(() => {
      const now = Date.now();
      void store.setToken(key, { token: fromTheOther, fetchedAt: now, expiresAt: now + 7_200_000 });
    }, 150);

    await client.get('batch/getresult');

    expect(sim.requests('gettoken').length).toBe(0);
    expect(sim.rawRequests('batch/getresult')[0].accessToken).toBe(fromTheOther);
  });

  it('a lock left by a crashed instance expires, then this instance fetches the token itself', async () => {
    const store = new MemoryStore();
    const { client } = createClient(clientOptions(sim.baseUrl), store);
    await store.acquireLock(manager(client).lockName, 150); // never released

    await client.get('batch/getresult');

    expect(sim.requests('gettoken').length).toBe(1);
  });

  it('refreshes ahead of expiry (margin capped at half the lifetime)', async () => {
    sim.configureTokens({ ttlSeconds: 1 }); // refresh point: after 0.5 s
    const { client } = createClient(clientOptions(sim.baseUrl, { tokenRefreshMarginSeconds: 300 }));
    await client.get('batch/getresult');
    await client.get('batch/getresult');
    expect(sim.requests('gettoken').length).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 600));
    await client.get('batch/getresult');

    expect(sim.requests('gettoken').length).toBe(2);
    expect(sim.rawRequests('batch/getresult')[2].accessToken).toBe(sim.issuedTokens(CORP_ID)[1]);
  });

  it('when the early refresh fails but the token still works, the call goes on with it', async () => {
    const store = new MemoryStore();
    const { client } = createClient(clientOptions(sim.baseUrl, { retry: { maxRetries: 1, baseDelayMs: 1 } }), store);
    const now = Date.now();
    // 20 s lifetime, 5 s left: past the refresh point (10 s before expiry) but still valid.
    const stale: TokenRecord = { token: sim.issueToken(CORP_ID), fetchedAt: now - 15_000, expiresAt: now + 5_000 };
    await store.setToken(manager(client).key, stale);
    sim.failNext('gettoken', { errcode: -1, errmsg: 'busy', times: 2 });

    await client.get('batch/getresult');

    expect(sim.requests('gettoken').length).toBe(2);
    expect(sim.rawRequests('batch/getresult')[0].accessToken).toBe(stale.token);
    expect(logs.lines.some((l) => l.startsWith('warn') && l.includes('using the current one'))).toBe(true);
  });

  it('60020 on gettoken: one log line, with the IP WeCom saw and where to allow-list it', async () => {
    const { client } = createClient(clientOptions(sim.baseUrl));
    sim.failNext('gettoken', {
      errcode: 60020,
      errmsg:
        'not allow to access from your ip, hint: [x], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
    });
    const from = logs.lines.length;

    const error = await failure(client.get('batch/getresult'));

    expect(error).toMatchObject({ kind: 'config', errcode: 60020 });
    const lines = logs.lines.slice(from).filter((line) => !line.startsWith('verbose') && !line.startsWith('debug'));
    expect(lines).toEqual([expect.stringMatching(/^error [^\n]*203\.0\.113\.7[^\n]*企业可信IP[^\n]* errcode=60020/)]);
    expect(lines[0]).toContain(`corpId=${CORP_ID}`);
  });

  it('a store failure becomes a WeComApiError of kind "store", with no token in its message or cause', async () => {
    const broken: WeComBatchStore = Object.assign(new MemoryStore(), {
      getToken: async () => {
        throw new Error(`ERR connection lost while running GET wecom:token (access_token=abc123456789)`);
      },
    });
    const { client } = createClient(clientOptions(sim.baseUrl), broken);
    const error = await failure(client.get('batch/getresult'));
    expect(error).toMatchObject({ kind: 'store', endpoint: 'gettoken', errcode: null });
    expect(error.message).not.toContain('abc123456789');
    expect(String(error.cause)).not.toContain('abc123456789');
    expect(sim.rawRequests()).toHaveLength(0);
  });

  it('an abort while waiting for the shared refresh ends only that caller', async () => {
    sim.configureTokens({ answerDelayMs: 200 });
    const { client } = createClient(clientOptions(sim.baseUrl));
    const controller = new AbortController();
    const aborted = client.get('batch/getresult', undefined, { signal: controller.signal });
    const patient = client.get('batch/getresult');
    setTimeout(() => controller.abort(), 20);

    expect(await failure(aborted)).toMatchObject({ kind: 'aborted', endpoint: 'batch/getresult' });
    await expect(patient).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sim.requests('gettoken').length).toBe(1);
  });

  it('the manager can be used with any fetcher and store (unit level)', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const tokens = new AccessTokenManager({
      options: clientOptions(sim.baseUrl),
      store,
      redactor: new Redactor([CORP_SECRET]),
      fetchToken: async () => ({ token: `UNIT-TOKEN-${++calls}`, expiresInSeconds: 7200 }),
    });
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-1');
    await tokens.reject('SOME-OLD-TOKEN');
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-1');
    await tokens.reject('UNIT-TOKEN-1');
    expect(await tokens.getToken()).toBe('UNIT-TOKEN-2');
    expect(calls).toBe(2);
  });
});
