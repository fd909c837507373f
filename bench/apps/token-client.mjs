// One instance of an app calling WeCom on a cold token cache, in its own process.
//   node token-client.mjs '<json: { mode, store, redisUrl, keyPrefix, apiBaseUrl, corpId, corpSecret, calls, jobId }>'
// mode 'module': BatchService.getResult() through the module (MemoryStore or RedisStore).
// mode 'naive':  the usual hand-written client — "cached token? else gettoken and cache it" — with no single
//                flight, over the same cache (a Map, or the same Redis) and the same HTTP client (axios, 64 sockets).
// IPC: { type: 'ready' } → waits for { type: 'go' } → { type: 'done', ms, ok, failed, firstError }.
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Redis } from 'ioredis';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BatchService, MemoryStore, RedisStore } from 'nestjs-wecom-batch';
import { parentChannel } from '../lib/common.mjs';
import { rootModule, wecomImports } from '../lib/nest.mjs';

const config = JSON.parse(process.argv[2]);
const channel = parentChannel();
const redis = config.store === 'redis' ? new Redis(config.redisUrl, { lazyConnect: false }) : undefined;
let app;
let call;

if (config.mode === 'module') {
  const store = redis ? new RedisStore(redis, { keyPrefix: config.keyPrefix }) : new MemoryStore();
  const AppModule = rootModule({
    imports: wecomImports({
      corpId: config.corpId,
      corpSecret: config.corpSecret,
      apiBaseUrl: config.apiBaseUrl,
      store,
      requestTimeoutMs: 30_000,
      resumePendingJobs: false,
    }),
  });
  app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  await app.init();
  const batch = app.get(BatchService);
  call = () => batch.getResult(config.jobId);
} else {
  const http = axios.create({
    baseURL: `${config.apiBaseUrl}/cgi-bin/`,
    timeout: 30_000,
    httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }),
  });
  const key = `${config.keyPrefix}naive-token`;
  const memory = new Map();
  const cache = redis
    ? { get: (k) => redis.get(k), set: (k, v, s) => redis.set(k, v, 'EX', s) }
    : { get: async (k) => memory.get(k), set: async (k, v) => void memory.set(k, v) };
  const token = async () => {
    const cached = await cache.get(key);
    if (cached) return cached;
    const { data } = await http.get('gettoken', { params: { corpid: config.corpId, corpsecret: config.corpSecret } });
    if (!data.access_token) throw new Error(`gettoken: ${data.errcode} ${data.errmsg}`);
    await cache.set(key, data.access_token, data.expires_in - 300);
    return data.access_token;
  };
  call = async () => {
    const { data } = await http.get('batch/getresult', {
      params: { access_token: await token(), jobid: config.jobId },
    });
    if (data.errcode !== 0) throw new Error(`getresult: ${data.errcode} ${data.errmsg}`);
    return data;
  };
}

await channel.send({ type: 'ready' });
await channel.next('go');
const started = performance.now();
const outcomes = await Promise.allSettled(Array.from({ length: config.calls }, () => call()));
const ms = performance.now() - started;
const failed = outcomes.filter((o) => o.status === 'rejected');
await channel.send({
  type: 'done',
  ms,
  ok: outcomes.length - failed.length,
  failed: failed.length,
  firstError: failed[0] ? String(failed[0].reason?.message ?? failed[0].reason) : undefined,
});
await channel.next('stop');
await app?.close();
await redis?.quit();
process.exit(0);
