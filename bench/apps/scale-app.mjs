// A running Nest app (Express) that serves GET /ping while it syncs N realistic members, in its own process, for
// bench/scale.mjs.   node --expose-gc scale-app.mjs '<json: { apiBaseUrl, rows, store: 'memory'|'redis', redisUrl }>'
// Phases, each with its own event-loop delay histogram (perf_hooks.monitorEventLoopDelay, max):
//   build       buildMemberCsv(rows) alone (validate + CSV of the whole file: the µs/row figure)
//   naive       plainToInstance + validateSync per row + one string join (the hand-written path), same rows
//   submit      syncUsers(): validate, write and upload every part (split at mediaLimitBytes), submit the first
//   completion  job.wait(): every part submitted in turn, getresult streamed into the store, rows read back
// Pings pause during the naive phase (it blocks by design; the backlog would flood the submit phase).
// RSS and heap are sampled every 2 ms from the syncUsers call to wait() resolved (plus the kernel's maxRSS).
// BENCH_CPU_PROF=1: one CPU profile of submit + completion into .tmp/profiles/scale-<rows>-<store>.cpuprofile.
// IPC: { type: 'ready', url } → waits for { type: 'go' } → { type: 'result', ... } → exits on { type: 'stop' }.
import { Controller, Get } from '@nestjs/common';
import { createServer } from 'node:net';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { BatchService, RedisStore, buildMemberCsv } from 'nestjs-wecom-batch';
import { PROFILE_DIR, parentChannel, round } from '../lib/common.mjs';
import { bootApp, decorateClass, decorateMethod, wecomImports } from '../lib/nest.mjs';
import { SYNC_CORP } from '../lib/members.mjs';
import { naiveCsv } from '../lib/naive-csv.mjs';
import { startProfile, stopProfile } from '../lib/profiler.mjs';
import { measureStall } from '../lib/stall.mjs';

const config = JSON.parse(process.argv[2]);
const channel = parentChannel();

class PingController {
  ping() {
    return 'pong';
  }
}
decorateClass(PingController, Controller());
decorateMethod(PingController, 'ping', Get('ping'));

let redis;
if (config.store === 'redis') {
  const { Redis } = await import('ioredis');
  redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
}
const port = await freePort();
const wecom = wecomImports({
  corpId: SYNC_CORP.corpId,
  corpSecret: SYNC_CORP.corpSecret,
  apiBaseUrl: config.apiBaseUrl,
  callback: {
    url: `http://127.0.0.1:${port}/wecom/batch/callback`,
    token: SYNC_CORP.callbackToken,
    encodingAESKey: SYNC_CORP.encodingAESKey,
  },
  requestTimeoutMs: 120_000,
  polling: { callbackGraceMs: 2_000, initialIntervalMs: 500, maxIntervalMs: 2_000, timeoutMs: 1_800_000 },
  ...(redis ? { store: new RedisStore(redis) } : {}),
});
const { app, url } = await bootApp({ adapter: 'express', imports: wecom, controllers: [PingController], port });
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红'.split('');
const POSITIONS = ['工程师', '高级工程师', '经理', '客户经理', '柜员', '店长', '分析师', '主管'];

/** Members as a big corp has them: Chinese names, unique mobiles and e-mails, 1–3 departments, a position. */
function realisticMembers(count) {
  return Array.from({ length: count }, (_, i) => {
    const depts = 1 + (i % 3);
    const departments = Array.from({ length: depts }, (_, d) => 2 + ((i + d * 3) % 8));
    return {
      userid: `emp${String(i).padStart(7, '0')}`,
      name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13) % GIVEN.length]}`,
      mobile: `13${String(i).padStart(9, '0')}`,
      email: `emp${i}@corp.example.com`,
      departments,
      position: POSITIONS[i % POSITIONS.length],
    };
  });
}

const rows = realisticMembers(config.rows);

/** Runs `fn` measuring the longest event-loop stall and the wall time. */
async function phase(fn) {
  const { value, ms, maxStallMs } = await measureStall(fn);
  return { value, ms: round(ms, 1), maxStallMs: round(maxStallMs, 1) };
}

async function largestRedisValue() {
  if (!redis) return null;
  let largest = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      keys++;
      if ((await redis.type(key)) === 'string') largest = Math.max(largest, await redis.strlen(key));
    }
  } while (cursor !== '0');
  return { largestValueBytes: largest, keys };
}

await channel.send({ type: 'ready', url });
await channel.next('go');
const result = { rows: rows.length, store: config.store };

globalThis.gc();
const build = await phase(() => buildMemberCsv(rows));
result.build = { ms: build.ms, maxStallMs: build.maxStallMs, csvBytes: build.value.csv.length };
build.value = undefined;
globalThis.gc();
// The parent stops pinging while the naive path blocks the loop (see bench/scale.mjs).
await channel.send({ type: 'pause-pings' });
await channel.next('pings-paused');
const naive = await phase(() => naiveCsv(rows));
result.naive = { ms: naive.ms, maxStallMs: naive.maxStallMs };
naive.value = undefined;
globalThis.gc();
await channel.send({ type: 'resume-pings' });
await channel.next('pings-resumed');

const batch = app.get(BatchService);
const before = process.memoryUsage();
const maxRssBefore = process.resourceUsage().maxRSS * 1024;
let rssPeak = before.rss;
let heapPeak = before.heapUsed;
const sampler = setInterval(() => {
  const now = process.memoryUsage();
  rssPeak = Math.max(rssPeak, now.rss);
  heapPeak = Math.max(heapPeak, now.heapUsed);
}, 2);
const profiling = process.env.BENCH_CPU_PROF === '1';
if (profiling) await startProfile();
// After the profiler started (Profiler.start itself holds the loop ~1 s with this heap).
const stalls = profiling ? stallRecorder() : undefined;
const started = performance.now();
const submit = await phase(() => batch.syncUsers({ users: rows }, { toInvite: false }));
const job = submit.value;
const submitEnded = performance.now();
const completion = await phase(async () => {
  const done = await job.wait({ timeoutMs: 1_800_000 });
  // What a listener of a big job does: read every row (chunk by chunk from the store).
  let read = 0;
  let failed = 0;
  for await (const row of done.rows()) {
    read++;
    if (row.errcode !== 0) failed++;
  }
  return { done, read, failed };
});
const callToWaitMs = round(performance.now() - started, 1);
clearInterval(sampler);
if (profiling) {
  const file = `${PROFILE_DIR}scale-${config.rows}-${config.store}.cpuprofile`;
  stalls.stop();
  await stopProfile(file);
  // Where the phases lie in the profile (ms from its start), to tell a long task's phase.
  process.stderr.write(
    `  profile ${file}: submit 0–${round(submitEnded - started, 0)} ms, ` +
      `completion ${round(submitEnded - started, 0)}–${round(callToWaitMs, 0)} ms; stalls over 50 ms ` +
      `(monotonic µs, as the profile's timestamps: node bench/profile-summary.mjs shows what ran): ` +
      `${JSON.stringify(stalls.longest(20))}; GC pauses over 50 ms: ${JSON.stringify(stalls.gcs())}\n`,
  );
}
const maxRssAfter = process.resourceUsage().maxRSS * 1024;
if (maxRssAfter > maxRssBefore) rssPeak = Math.max(rssPeak, maxRssAfter);
result.submit = { ms: submit.ms, maxStallMs: submit.maxStallMs, jobs: job.parts.length };
result.completion = {
  ms: completion.ms,
  maxStallMs: completion.maxStallMs,
  errCode: completion.value.done.errCode,
  totalRows: completion.value.done.totalRows,
  rowsRead: completion.value.read,
  failedRows: completion.value.failed,
};
result.callToWaitMs = callToWaitMs;
result.peakRssGrowthBytes = rssPeak - before.rss;
result.peakHeapGrowthBytes = heapPeak - before.heapUsed;
// Upper bound of the largest single file: the whole CSV, or the limit when it was split.
result.largestCsvBytes = job.parts.length === 1 ? result.build.csvBytes : 20 * 1024 * 1024 - 64 * 1024;
result.redis = await largestRedisValue();
await channel.send({ type: 'result', result });
await channel.next('stop');
await app.close();
await redis?.quit();
process.exit(0);

/**
 * With BENCH_CPU_PROF=1: when the loop was held over 50 ms, on the monotonic clock the CPU profile's sample
 * times use (µs), so a stall can be matched with the samples taken during it; with the process's CPU time in it
 * (far below the stall: the process was waiting for a core, not working) and the GC pauses over 50 ms.
 */
function stallRecorder() {
  const found = [];
  const gcs = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > 50) gcs.push({ kind: entry.detail?.kind, ms: round(entry.duration, 1) });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let last = process.hrtime.bigint();
  let lastCpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const ms = Number(now - last) / 1e6;
    if (ms > 50) {
      const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      found.push({ fromUs: Number(last / 1000n), toUs: Number(now / 1000n), ms: round(ms, 1), cpuMs: round(cpuMs, 1) });
    }
    last = now;
    lastCpu = cpu;
  }, 2);
  return {
    stop: () => {
      clearInterval(timer);
      gcObserver.disconnect();
    },
    longest: (n) => [...found].sort((a, b) => b.ms - a.ms).slice(0, n),
    gcs: () => gcs,
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
}
