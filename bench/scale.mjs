// scale: syncUsers of 10,000 / 100,000 / 250,000 / 1,000,000 realistic members (Chinese names, mobiles, 1–3
// departments, a position) in a running Nest app answering a paced GET /ping every 4 ms, against the simulator
// (its own process), with MemoryStore and with RedisStore on a real redis-server. Per size and store: validate +
// CSV ms and µs/row, jobs, call → wait() time, the longest event-loop stall per phase (build, upload/submit,
// completion), peak RSS and heap growth, the largest Redis value, and the naive class-validator path's time on
// the same rows in the same process. Prints the table on stderr; BENCH lines per size and store.
//   BENCH_SCALE_SIZES=10000,100000   the sizes (default all four)
//   BENCH_SCALE_STORES=memory        the stores (default memory,redis; redis skipped without redis-server)
import { BENCH_DIR, Child, log, ratio, round, runMain } from './lib/common.mjs';
import { SYNC_CORP, SYNC_DEPARTMENTS } from './lib/members.mjs';
import { findRedisServer, startRedisServer } from './lib/redis-server.mjs';
import { pacedPings } from './lib/paced-pings.mjs';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '10000,100000,250000,1000000').split(',').map(Number);
const STORES = (process.env.BENCH_SCALE_STORES ?? 'memory,redis').split(',');
const GOALS = { stallMs: 50, naiveRatio: 0.4, rssTimesCsv: 3, redisValueBytes: 4 * 1024 * 1024, linearity: 0.25 };

async function runSize(rows, store, apiBaseUrl, redisUrl) {
  const app = new Child(`${BENCH_DIR}apps/scale-app.mjs`, [JSON.stringify({ apiBaseUrl, rows, store, redisUrl })], {
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
  });
  try {
    const { url } = await app.next('ready', 300_000);
    const pings = pacedPings(`${url}/ping`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // No pings while the naive path holds the loop (it blocks by design, for tens of seconds at 1,000,000): the
    // ~10,000 pings queued meanwhile would hit the app at once when it ends and load the submit phase with a flood.
    const pausing = (async () => {
      await app.next('pause-pings', 3_600_000);
      await pings.pause();
      app.send({ type: 'pings-paused' });
      await app.next('resume-pings', 3_600_000);
      pings.resume();
      app.send({ type: 'pings-resumed' });
    })();
    app.send({ type: 'go' });
    const { result } = await app.next('result', 3_600_000);
    await pausing;
    result.ping = await pings.stop();
    return result;
  } finally {
    await app.stop();
  }
}

function row(r) {
  const usPerRow = round((r.build.ms * 1000) / r.rows, 2);
  return {
    members: r.rows,
    store: r.store,
    csvMB: round(r.build.csvBytes / 1e6, 1),
    validateCsvMs: r.build.ms,
    usPerRow,
    naiveMs: r.naive.ms,
    vsNaive: ratio(r.build.ms, r.naive.ms),
    jobs: r.submit.jobs,
    callToWaitMs: r.callToWaitMs,
    stallBuildMs: r.build.maxStallMs,
    stallSubmitMs: r.submit.maxStallMs,
    stallCompletionMs: r.completion.maxStallMs,
    pingMaxMs: r.ping.latencyMs.max,
    rssGrowthMB: round(r.peakRssGrowthBytes / 1e6, 1),
    rssTimesLargestCsv: round(r.peakRssGrowthBytes / r.largestCsvBytes, 2),
    heapGrowthMB: round(r.peakHeapGrowthBytes / 1e6, 1),
    largestRedisValueKB: r.redis ? round(r.redis.largestValueBytes / 1024, 0) : null,
    rowsRead: r.completion.rowsRead,
  };
}

async function main() {
  const sim = new Child(`${BENCH_DIR}apps/simulator.mjs`, [
    JSON.stringify({
      corps: [{ corpId: SYNC_CORP.corpId, corpSecret: SYNC_CORP.corpSecret, departments: SYNC_DEPARTMENTS }],
      jobDelayMs: 50,
    }),
  ]);
  const binary = STORES.includes('redis') ? findRedisServer() : null;
  const redis = binary ? await startRedisServer(binary) : null;
  if (STORES.includes('redis') && !redis) log('scale: no redis-server on PATH (REDIS_SERVER_BIN): RedisStore skipped');
  const table = [];
  try {
    const { url: apiBaseUrl } = await sim.next('ready');
    for (const store of STORES) {
      if (store === 'redis' && !redis) continue;
      for (const rows of SIZES) {
        log(`scale: ${rows} members, ${store} store`);
        const r = row(await runSize(rows, store, apiBaseUrl, redis?.url));
        log(`  ${JSON.stringify(r)}`);
        table.push(r);
      }
    }
  } finally {
    await sim.stop();
    await redis?.stop();
  }
  log(renderTable(table));
  const summaries = table.map((r) => ({
    name: `scale-${r.members}-${r.store}`,
    metric: 'max_event_loop_delay_ms',
    value: Math.max(r.stallBuildMs, r.stallSubmitMs, r.stallCompletionMs),
    baseline: GOALS.stallMs,
    ratio: ratio(Math.max(r.stallBuildMs, r.stallSubmitMs, r.stallCompletionMs), GOALS.stallMs),
  }));
  return { summaries, figures: { goals: GOALS, table, goalsMet: goalsMet(table) } };
}

function goalsMet(table) {
  const perRow = table.map((r) => r.usPerRow);
  const mid = perRow.length ? [...perRow].sort((a, b) => a - b)[Math.floor(perRow.length / 2)] : 0;
  return {
    stall: table.every((r) => Math.max(r.stallBuildMs, r.stallSubmitMs, r.stallCompletionMs) <= GOALS.stallMs),
    linearUsPerRow: perRow.every((v) => Math.abs(v - mid) <= GOALS.linearity * mid),
    vsNaive: table.every((r) => r.vsNaive <= GOALS.naiveRatio),
    rss: table.every((r) => r.rssTimesLargestCsv <= GOALS.rssTimesCsv),
    redisValue: table.every(
      (r) => r.largestRedisValueKB === null || r.largestRedisValueKB * 1024 <= GOALS.redisValueBytes,
    ),
  };
}

function renderTable(table) {
  const head =
    '| members | store | CSV MB | validate+CSV ms | µs/row | naive ms | ÷ naive | jobs | call→wait() ms | ' +
    'stall build / submit / completion ms | RSS growth MB (× largest CSV) | heap growth MB | largest Redis value KB |';
  const lines = table.map(
    (r) =>
      `| ${r.members} | ${r.store} | ${r.csvMB} | ${r.validateCsvMs} | ${r.usPerRow} | ${r.naiveMs} | ${r.vsNaive} | ` +
      `${r.jobs} | ${r.callToWaitMs} | ${r.stallBuildMs} / ${r.stallSubmitMs} / ${r.stallCompletionMs} | ` +
      `${r.rssGrowthMB} (${r.rssTimesLargestCsv}) | ${r.heapGrowthMB} | ${r.largestRedisValueKB ?? '—'} |`,
  );
  return [head, `|${' --- |'.repeat(13)}`, ...lines].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
