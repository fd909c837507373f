// callback-throughput: valid encrypted callbacks per second on the module's callback route, against a bare Nest
// POST route on the same adapter that reads the same raw body and answers 200 — Express and Fastify.
//
// Each app runs in its own process; autocannon runs here. Every request of the headline figure is a distinct,
// valid delivery (its own JobId), so each one takes the full path: verify, decrypt, parse, validate, dedup mark
// and job record in the store, 200 — then the job's completion (another store round and the completed event)
// runs in the same process after the answer. The duplicate path (WeCom's retries: dedup hit) is measured too.
//
// Flood paths (the callback issue), in a module app of their own and interleaved with the bare route: WeCom's
// retries (duplicates), a forged signature on a valid envelope, the probe's worst-shape forged body (16 KB of
// `<a/>`, refused by the one strict parse before any signature check), and genuine deliveries — one every 500 ms,
// each on a fresh connection — while the worst-shape flood runs at the rate that used to block them.
import autocannon from 'autocannon';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, Child, PROFILE_DIR, log, percentile, ratio, round, runMain } from './lib/common.mjs';
import { makeDeliveries, seedJobs, worstShapeForgeries } from './lib/deliveries.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const CONNECTIONS = 10;
const DURATION_S = QUICK ? 3 : 8;
const WARMUP_S = QUICK ? 1 : 2;
const ROUNDS = QUICK ? 1 : 3;
/** Rounds of the flood paths (each: bare, duplicates, forged, bare with 16 KB bodies, worst-shape forged). */
const FLOOD_ROUNDS = QUICK ? 1 : 2;
/** The worst-shape runs: shorter, so the whole benchmark stays within the runner's time limit. */
const SHORT_S = QUICK ? 2 : 4;
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',');
const APP = `${BENCH_DIR}apps/callback-app.mjs`;

/** One autocannon run: POSTs the deliveries in order (cycling if it runs out) to `url` + `path`. */
export async function load({
  url,
  path,
  deliveries,
  duration,
  connections = CONNECTIONS,
  expectStatus = 200,
  overallRate,
}) {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        setupRequest: (request) => {
          const d = deliveries[next++ % deliveries.length];
          return {
            ...request,
            method: 'POST',
            path: `${path}?${d.query}`,
            headers: { 'content-type': 'text/xml' },
            body: d.body,
          };
        },
      },
    ],
  });
  // Only answers with the expected status count (200, or 401 for the forged flood).
  const counted = expectStatus === 200 ? result['2xx'] : (result.statusCodeStats?.[expectStatus]?.count ?? 0);
  return {
    reqPerSec: round(counted / result.duration, 0),
    ok: counted,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    durationS: result.duration,
    built: next,
    // For distinct deliveries: more requests than deliveries means the surplus were duplicates (cheaper).
    cycled: next > deliveries.length,
  };
}

async function measureAdapter(adapter) {
  log(`callback-throughput (${adapter}): starting the apps`);
  const bare = new Child(APP, [adapter, 'bare']);
  const ours = new Child(APP, [adapter, 'module']);
  try {
    const [bareApp, ourApp] = await Promise.all([bare.next('ready'), ours.next('ready')]);
    let distinct = 0;
    // Jobs "submitted" by the app (their records seeded): the path a real delivery takes.
    const fresh = async (n) => {
      distinct += n;
      const deliveries = makeDeliveries(n, { prefix: `tp-${adapter}` });
      await seedJobs(ours, deliveries);
      return deliveries;
    };

    // Warm-up (JIT, connection pools): not recorded.
    const warm = await fresh(30_000);
    await load({ ...bareApp, deliveries: warm, duration: WARMUP_S });
    const warmOurs = await load({ ...ourApp, deliveries: warm, duration: WARMUP_S });
    distinct -= Math.max(0, warm.length - warmOurs.built);

    const bareRuns = [];
    const ourRuns = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Same bodies for both (the bare route ignores them); fresh ones for ours so none is a duplicate.
      const bareDeliveries = makeDeliveries(2_000, { prefix: 'bare' });
      const bareRun = await profiled(bare, `callback-${adapter}-bare-${round}`, () =>
        load({ ...bareApp, deliveries: bareDeliveries, duration: DURATION_S }),
      );
      delete bareRun.cycled; // the bare route ignores the bodies: cycling through them changes nothing
      bareRuns.push(bareRun);
      log(`  round ${round} bare:   ${bareRun.reqPerSec} req/s (p99 ${bareRun.latencyMs.p99} ms)`);
      const needed = Math.ceil(Math.max(bareRun.reqPerSec, 2_000) * DURATION_S * 1.3);
      const deliveries = await fresh(needed);
      const ourRun = await profiled(ours, `callback-${adapter}-module-${round}`, () =>
        load({ ...ourApp, deliveries, duration: DURATION_S }),
      );
      distinct -= Math.max(0, deliveries.length - ourRun.built);
      ourRuns.push(ourRun);
      log(`  round ${round} module: ${ourRun.reqPerSec} req/s (p99 ${ourRun.latencyMs.p99} ms)`);
    }

    // The flood paths, in a module app of their own (see floodPaths), against the same bare app.
    const floods = await withFreshApp(adapter, (app, child) => floodPaths(adapter, app, child, bareApp));

    // In a fresh app: the one above holds the hundreds of thousands of jobs of the rounds, whose garbage collection
    // stalls it for seconds at a time on a busy machine — a state no real callback route gets into.
    const flood = await withFreshApp(adapter, (app, child) => genuineDuringFlood(app, child));
    log(
      `  genuine during a worst-shape flood (${flood.floodRatePerS} req/s, ${FLOOD.connections} connections): ` +
        `${flood.answered200Within1s}/${flood.genuine} answered 200 within 1 s (p99 ${flood.p99Ms} ms)`,
    );

    // Completion runs after each answer; give the last ones a moment, then check nothing was lost or doubled.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stats = await ours.ask({ type: 'stats' }, 'stats');
    const best = (runs) => runs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const bestBare = best(bareRuns);
    const bestOurs = best(ourRuns);
    const [dupRun, forgedRun, worstRun, floodBare, bareWorstRun] = [
      floods.duplicates,
      floods.forged,
      floods.worst,
      floods.bare,
      floods.bareWorst,
    ].map(best);
    return {
      adapter,
      summary: {
        name: `callback-throughput-${adapter}`,
        metric: 'req_per_s',
        value: bestOurs.reqPerSec,
        baseline: bestBare.reqPerSec,
        ratio: ratio(bestOurs.reqPerSec, bestBare.reqPerSec),
      },
      figures: {
        connections: CONNECTIONS,
        durationS: DURATION_S,
        rounds: ROUNDS,
        headline: 'best round of distinct valid deliveries (new-job path) vs best round of the bare route',
        bare: bareRuns,
        newJobPath: ourRuns,
        floods:
          'best of the flood rounds, in a fresh module app, interleaved with the bare route (plain and 16 KB bodies)',
        floodRounds: floods,
        duplicatePath: dupRun,
        forgedSignatureRefusals: forgedRun,
        forgedWorstShapeRefusals: worstRun,
        bareDuringFloodRounds: floodBare,
        bareWithWorstShapeBodies: bareWorstRun,
        duplicateRatio: ratio(dupRun.reqPerSec, floodBare.reqPerSec),
        forgedRatio: ratio(forgedRun.reqPerSec, floodBare.reqPerSec),
        forgedWorstShapeRatio: ratio(worstRun.reqPerSec, bareWorstRun.reqPerSec),
        forgedWorstVsPlainCost: ratio(forgedRun.reqPerSec, worstRun.reqPerSec),
        genuineDuringWorstShapeFlood: flood,
        distinctDeliveriesSent: distinct,
        completedEvents: stats.completed,
        rejectedEvents: stats.rejected,
        appRssMiB: stats.rssMiB,
        goal: 'ratio >= 0.85 (new job, duplicate, forged, forged worst shape); >= 99 % genuine within 1 s in a flood',
        goalMet: ratio(bestOurs.reqPerSec, bestBare.reqPerSec) >= 0.85,
        floodGoalMet: flood.answered200Within1s >= 0.99 * flood.genuine,
      },
    };
  } finally {
    await Promise.all([bare.stop(), ours.stop()]);
  }
}

/**
 * The flood paths, interleaved round by round with the bare route so that both see the same machine: WeCom's
 * retries (the same 100 deliveries over and over: after the first pass every one is a dedup hit), forged signatures
 * on valid envelopes (401), and the probe's worst-shape forged body (400, refused by the one strict parse before any
 * signature check) against the bare route reading the same 16 KB bodies. In an app of its own: the app of the
 * new-job rounds holds their hundreds of thousands of jobs, whose garbage collection would be measured instead.
 */
async function floodPaths(adapter, app, child, bareApp) {
  const repeated = makeDeliveries(100, { prefix: `dup-${adapter}` });
  await seedJobs(child, repeated);
  const forged = makeDeliveries(2_000, { prefix: 'forged' }).map((d) => ({
    ...d,
    query: d.query.replace(/msg_signature=[0-9a-f]/, (m) => `${m.slice(0, -1)}${m.endsWith('0') ? '1' : '0'}`),
  }));
  const worst = worstShapeForgeries(2_000);
  const plain = makeDeliveries(2_000, { prefix: 'bare-flood' });
  const phases = [
    { key: 'bare', label: 'bare', target: bareApp, deliveries: plain, expectStatus: 200, s: DURATION_S },
    { key: 'duplicates', label: 'duplicates', target: app, deliveries: repeated, expectStatus: 200, s: DURATION_S },
    { key: 'forged', label: 'forged', target: app, deliveries: forged, expectStatus: 401, s: DURATION_S },
    { key: 'bareWorst', label: 'bare, 16 KB', target: bareApp, deliveries: worst, expectStatus: 200, s: SHORT_S },
    { key: 'worst', label: 'forged worst', target: app, deliveries: worst, expectStatus: 400, s: SHORT_S },
  ];
  // Warm-up (JIT), not recorded.
  for (const phase of phases) await load({ ...phase.target, ...phase, duration: WARMUP_S });
  const runs = Object.fromEntries(phases.map((phase) => [phase.key, []]));
  for (let round = 1; round <= FLOOD_ROUNDS; round++) {
    for (const phase of phases) {
      const measure = () => load({ ...phase.target, ...phase, duration: phase.s });
      const run =
        round === 1 && phase.target === app
          ? await profiled(child, `callback-${adapter}-${phase.key}`, measure)
          : await measure();
      delete run.cycled; // the flood inputs repeat on purpose
      runs[phase.key].push(run);
      log(`  flood round ${round} ${phase.label.padEnd(13)} ${run.reqPerSec} req/s (p99 ${run.latencyMs.p99} ms)`);
    }
  }
  return runs;
}

/** The flood of the probe: ~100 worst-shape forgeries a second (≈ 1.6 MB/s) from 64 keep-alive connections. */
const FLOOD = { ratePerS: 100, connections: 64, genuine: 24, everyMs: 500 };

/** Runs `fn` against a module app of its own (started and stopped here). */
async function withFreshApp(adapter, fn) {
  const child = new Child(APP, [adapter, 'module']);
  try {
    return await fn(await child.next('ready'), child);
  } finally {
    await child.stop();
  }
}

/**
 * Runs the worst-shape flood and, meanwhile, sends `FLOOD.genuine` genuine deliveries, one every 500 ms, each on a
 * fresh connection (as WeCom does): how many were answered 200 within 1 s.
 */
async function genuineDuringFlood(app, child) {
  const deliveries = makeDeliveries(FLOOD.genuine, { prefix: 'genuine' });
  await seedJobs(child, deliveries);
  const durationS = Math.ceil((FLOOD.genuine * FLOOD.everyMs) / 1000) + 2;
  const flooding = load({
    ...app,
    deliveries: worstShapeForgeries(2_000),
    duration: durationS,
    connections: FLOOD.connections,
    overallRate: FLOOD.ratePerS,
    expectStatus: 400,
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the flood is under way
  const latencies = [];
  let within = 0;
  for (let i = 0; i < FLOOD.genuine; i++) {
    const started = performance.now();
    const status = await postFresh(`${app.url}${app.path}?${deliveries[i].query}`, deliveries[i].body);
    const ms = performance.now() - started;
    latencies.push(ms);
    if (status === 200 && ms <= 1_000) within++;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, FLOOD.everyMs - ms)));
  }
  const floodRun = await flooding;
  return {
    floodRatePerS: round(floodRun.ok / floodRun.durationS, 0),
    floodConnections: FLOOD.connections,
    genuine: FLOOD.genuine,
    answered200Within1s: within,
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(Math.max(...latencies), 1),
  };
}

/** One POST on a new connection (no keep-alive agent); resolves its status (0: no answer within 5 s). */
function postFresh(url, body) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(5_000, () => {
      req.destroy();
      resolve(0);
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** With BENCH_CPU_PROF=1: profiles `child` during `fn()` into .tmp/profiles/<name>.cpuprofile. */
async function profiled(child, name, fn) {
  if (process.env.BENCH_CPU_PROF !== '1') return fn();
  await child.ask({ type: 'profile-start' }, 'profile-started');
  try {
    return await fn();
  } finally {
    const file = `${PROFILE_DIR}${name}.cpuprofile`;
    await child.ask({ type: 'profile-stop', file }, 'profile-stopped');
    log(`  CPU profile: ${file}`);
  }
}

/** The module's own cost per delivery, without HTTP (WeComCallbackService.handleCallback in a child process). */
async function pipelineCost() {
  const child = new Child(`${BENCH_DIR}apps/pipeline.mjs`);
  try {
    const { newJobMicros, duplicateMicros, retryMicros, forgedMicros, forgedWorstMicros } =
      await child.next('pipeline');
    log(
      `pipeline without HTTP: new job ${newJobMicros} µs, duplicate ${duplicateMicros} µs (a retry of a recent one ${retryMicros} µs), forged ${forgedMicros} µs, ` +
        `forged worst shape ${forgedWorstMicros} µs`,
    );
    return {
      what: 'WeComCallbackService.handleCallback per delivery, no HTTP (best of 3 rounds of 5,000)',
      newJobMicrosIncludingCompletion: newJobMicros,
      duplicateMicros,
      retryOfRecentDeliveryMicros: retryMicros,
      forgedSignatureMicros: forgedMicros,
      forgedWorstShapeMicros: forgedWorstMicros,
      worstVsPlainForgedCost: ratio(forgedWorstMicros, forgedMicros),
      goal: 'worst-shape forged body <= 3x a plain forged envelope',
    };
  } finally {
    await child.stop();
  }
}

async function main() {
  const results = [];
  for (const adapter of ADAPTERS) results.push(await measureAdapter(adapter));
  const pipeline = await pipelineCost();
  return {
    summaries: results.map((r) => r.summary),
    figures: { ...Object.fromEntries(results.map((r) => [r.adapter, r.figures])), pipeline },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
