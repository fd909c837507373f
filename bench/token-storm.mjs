// token-storm: 1,000 concurrent WeCom calls on a cold token cache — how many gettoken calls reach WeCom, and how
// long until all 1,000 answered. The module (single flight in process, a store lease across processes) against
// the usual hand-written client (check the cache, else gettoken and cache it), both measured here on the same
// simulator: one process on a MemoryStore, and 4 processes sharing a RedisStore (250 calls each).
/* global FormData -- Node's built-in (undici) FormData, as fetch uses it */
import { Blob } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { BENCH_DIR, Child, log, ratio, round, runMain } from './lib/common.mjs';
import { findRedisServer, startRedisServer } from './lib/redis-server.mjs';

const CALLS = 1_000;
const REDIS_PROCESSES = 4;
const CORP = { corpId: 'wwbenchtokenstorm01', corpSecret: 'bench-token-storm-secret-0123456789' };
const CLIENT = `${BENCH_DIR}apps/token-client.mjs`;

/** Submits one small import through the simulator's HTTP API, so getresult has a finished job to report. */
async function createJob(sim) {
  const api = (path) => `${sim.baseUrl}/cgi-bin/${path}`;
  const token = (await (await fetch(api(`gettoken?corpid=${CORP.corpId}&corpsecret=${CORP.corpSecret}`))).json())
    .access_token;
  const form = new FormData();
  const csv = '姓名,帐号,手机号,所在部门\n张三,zhangsan,13800000001,1\n李四,lisi,13800000002,1\n';
  form.append('media', new Blob([csv], { type: 'text/csv' }), 'users.csv');
  const upload = await (
    await fetch(api(`media/upload?access_token=${token}&type=file`), { method: 'POST', body: form })
  ).json();
  const submit = await (
    await fetch(api(`batch/syncuser?access_token=${token}`), {
      method: 'POST',
      body: JSON.stringify({ media_id: upload.media_id, to_invite: false }),
    })
  ).json();
  if (!submit.jobid) throw new Error(`could not create a job: ${JSON.stringify(submit)}`);
  await sim.settled();
  return submit.jobid;
}

/** One storm: `processes` clients, CALLS calls in all, released together. */
async function storm(sim, { mode, store, redisUrl, processes, jobId, label }) {
  const perProcess = CALLS / processes;
  const keyPrefix = `bench-${label}-${Date.now()}:`;
  const config = { mode, store, redisUrl, keyPrefix, apiBaseUrl: sim.baseUrl, ...CORP, calls: perProcess, jobId };
  const children = Array.from({ length: processes }, () => new Child(CLIENT, [JSON.stringify(config)]));
  try {
    await Promise.all(children.map((c) => c.next('ready')));
    const before = sim.tokenFetches(CORP.corpId);
    const started = performance.now();
    const done = children.map((c) => c.next('done').then((m) => ({ ...m, at: performance.now() })));
    for (const child of children) child.send({ type: 'go' });
    const results = await Promise.all(done);
    const wallMs = Math.max(...results.map((r) => r.at)) - started;
    const gettoken = sim.tokenFetches(CORP.corpId) - before;
    const ok = results.reduce((n, r) => n + r.ok, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    const figure = {
      processes,
      calls: CALLS,
      gettoken,
      wallMs: round(wallMs, 1),
      ok,
      failed,
      firstError: results.find((r) => r.firstError)?.firstError,
    };
    log(`  ${label}: ${gettoken} gettoken, ${figure.wallMs} ms, ${ok} ok / ${failed} failed`);
    return figure;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function main() {
  const sim = await WeComSimulator.start({ corps: [{ ...CORP }], jobDelayMs: 10 });
  let redis;
  try {
    const jobId = await createJob(sim);
    log('token-storm: memory store, 1 process');
    const memory = await storm(sim, { mode: 'module', store: 'memory', processes: 1, jobId, label: 'memory-module' });
    const memoryNaive = await storm(sim, {
      mode: 'naive',
      store: 'memory',
      processes: 1,
      jobId,
      label: 'memory-naive',
    });

    const binary = findRedisServer();
    let redisFigures = { skipped: 'redis-server is not on the PATH (set REDIS_SERVER_BIN or install redis-server)' };
    if (binary) {
      redis = await startRedisServer(binary);
      log(`token-storm: RedisStore, ${REDIS_PROCESSES} processes`);
      const common = { store: 'redis', redisUrl: redis.url, processes: REDIS_PROCESSES, jobId };
      redisFigures = {
        module: await storm(sim, { ...common, mode: 'module', label: 'redis-module' }),
        naive: await storm(sim, { ...common, mode: 'naive', label: 'redis-naive' }),
      };
    } else {
      log(`token-storm: Redis figures skipped — ${redisFigures.skipped}`);
    }

    const ours = [memory.gettoken, redisFigures.module?.gettoken].filter((x) => x !== undefined);
    const naive = [memoryNaive.gettoken, redisFigures.naive?.gettoken].filter((x) => x !== undefined);
    const value = Math.max(...ours);
    const baseline = Math.max(...naive);
    const allOk = [memory, redisFigures.module].filter(Boolean).every((f) => f.failed === 0);
    return {
      summaries: [{ name: 'token-storm', metric: 'gettoken', value, baseline, ratio: ratio(value, baseline) }],
      figures: {
        headline: 'gettoken calls for 1,000 concurrent calls on a cold cache (worst of memory and Redis×4)',
        memory: { module: memory, naive: memoryNaive },
        redis: redisFigures,
        goal: 'exactly 1 gettoken',
        goalMet: ours.every((n) => n === 1) && allOk,
      },
    };
  } finally {
    await sim.close();
    await redis?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
