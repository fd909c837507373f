import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../../test/helpers/redis-server.js';
import { RedisStore } from '../stores/redis.store.js';
import type { AccessTokenManager } from './access-token.manager.js';
import type { WeComSimulator } from '../testing/index.js';
import {
  captureLogs,
  clientOptions,
  CORP_ID,
  CORP_SECRET,
  createClient,
  startSimulator,
} from './client.spec-helper.js';
import type { WeComClient } from './wecom-client.service.js';

// The token manager across instances on the real shared store: each "instance" is its own client with its own
// Redis connection, as two app processes would have.
describeWithRedis('access tokens across instances on RedisStore', () => {
  let server: RedisServerHandle;
  let sim: WeComSimulator;
  let logs: ReturnType<typeof captureLogs>;
  const connections: Redis[] = [];
  const stores: RedisStore[] = [];

  function instance(prefix: string): WeComClient {
    const connection = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    connections.push(connection);
    const store = new RedisStore(connection, { keyPrefix: prefix });
    stores.push(store);
    return createClient(clientOptions(sim.baseUrl, { requestTimeoutMs: 30_000 }), store).client;
  }

  beforeAll(async () => {
    logs = captureLogs();
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
    logs.restore();
  });
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    await sim.close();
    await Promise.all(stores.splice(0).map((s) => s.close?.()));
    await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  });

  it('three instances, 300 concurrent calls each, cold cache → exactly one gettoken', async () => {
    sim.configureTokens({ answerDelayMs: 80 });
    const prefix = `tok-${Date.now()}-a:`;
    const clients = [instance(prefix), instance(prefix), instance(prefix)];

    await Promise.all(clients.flatMap((c) => Array.from({ length: 300 }, () => c.get('batch/getresult'))));

    expect(sim.requests('gettoken').length).toBe(1);
    expect(new Set(sim.rawRequests('batch/getresult').map((r) => r.accessToken))).toEqual(
      new Set([sim.issuedTokens(CORP_ID)[0]]),
    );
  });

  it('WeCom invalidates the token: instances refused at once share one refresh', async () => {
    const prefix = `tok-${Date.now()}-b:`;
    const [a, b] = [instance(prefix), instance(prefix)];
    await a.get('batch/getresult');
    await b.get('batch/getresult');
    expect(sim.requests('gettoken').length).toBe(1);
    sim.configureTokens({ answerDelayMs: 80 });
    sim.expireTokens();

    await Promise.all([
      ...Array.from({ length: 50 }, () => a.get('batch/getresult')),
      ...Array.from({ length: 50 }, () => b.get('batch/getresult')),
    ]);

    expect(sim.requests('gettoken').length).toBe(2);
  });

  it('an instance refused with a token another instance already replaced keeps the new token (compare-and-invalidate)', async () => {
    const prefix = `tok-${Date.now()}-c:`;
    const [a, b] = [instance(prefix), instance(prefix)];
    await a.get('batch/getresult');
    await b.get('batch/getresult');
    const [t1] = sim.issuedTokens(CORP_ID);
    // WeCom refuses t1 from now on: a's refusal comes at once (a refreshes to t2), b's only 250 ms later,
    // when the store already holds t2.
    let refusals = 0;
    sim.respondWith('batch/getresult', (request) => {
      if (request.accessToken !== t1) return { body: { errcode: 0, errmsg: 'ok' } };
      const refused = { errcode: 40014, errmsg: 'invalid access_token' };
      return ++refusals === 1 ? { body: refused } : { body: refused, delayMs: 250 };
    });

    await Promise.all([
      a.get('batch/getresult'),
      new Promise((r) => setTimeout(r, 20)).then(() => b.get('batch/getresult')),
    ]);

    expect(sim.requests('gettoken').length).toBe(2);
    const t2 = sim.issuedTokens(CORP_ID)[1];
    const sent = sim
      .rawRequests('batch/getresult')
      .slice(2)
      .map((r) => r.accessToken);
    expect(sent.sort()).toEqual([t1, t1, t2, t2].sort());
    const key = (a as unknown as { tokens: AccessTokenManager }).tokens.key;
    const stored = await stores[0].getToken(key);
    expect(stored?.token).toBe(t2);
    // The secret is not part of any Redis key.
    const admin = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    connections.push(admin);
    const keys = await admin.keys(`${prefix}*`);
    expect(keys.filter((k) => k.includes(CORP_SECRET))).toEqual([]);
    // The token and its refresh lock are named by STORE_KEYS: no segment doubled (`token:token:`, `lock:lock:`).
    expect(keys.filter((k) => /(?:^|:)([^:]+):\1:/.test(k))).toEqual([]);
  });
});
