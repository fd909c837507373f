// callback-throughput: valid encrypted callbacks per second on the module's callback route, against a bare Nest
// POST route on the same adapter that reads the same raw body and answers 200 — Express and Fastify.
//
// Each app runs in its own process; autocannon runs here. Every request of the headline figure is a distinct,
// valid delivery (its own JobId), so each one takes the full path: verify, decrypt, parse, validate, dedup mark
// and job record in the store, 200 — then the job's completion (another store round and the completed event)
// runs in the same process after the answer. The duplicate path (WeCom's retries: dedup hit) is measured too.
import autocannon from 'autocannon';
import { BENCH_DIR, Child, PROFILE_DIR, log, ratio, round, runMain } from './lib/common.mjs';
import { makeDeliveries } from './lib/deliveries.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const CONNECTIONS = 10;
const DURATION_S = QUICK ? 3 : 8;
const WARMUP_S = QUICK ? 1 : 2;
const ROUNDS = QUICK ? 1 : 3;
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',');
const APP = `${BENCH_DIR}apps/callback-app.mjs`;

/** One autocannon run: POSTs the deliveries in order (cycling if it runs out) to `url` + `path`. */
export async function load({ url, path, deliveries, duration, connections = CONNECTIONS, expectStatus = 200 }) {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
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
    const fresh = (n) => {
      distinct += n;
      return makeDeliveries(n, { prefix: `tp-${adapter}` });
    };

    // Warm-up (JIT, connection pools): not recorded.
    const warm = fresh(30_000);
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
      const deliveries = fresh(needed);
      const ourRun = await profiled(ours, `callback-${adapter}-module-${round}`, () =>
        load({ ...ourApp, deliveries, duration: DURATION_S }),
      );
      distinct -= Math.max(0, deliveries.length - ourRun.built);
      ourRuns.push(ourRun);
      log(`  round ${round} module: ${ourRun.reqPerSec} req/s (p99 ${ourRun.latencyMs.p99} ms)`);
    }

    // WeCom's retries: the same 100 deliveries over and over (after the first pass, every one is a dedup hit).
    const repeated = fresh(100);
    const dupRun = await profiled(ours, `callback-${adapter}-duplicates`, () =>
      load({ ...ourApp, deliveries: repeated, duration: DURATION_S }),
    );
    log(`  duplicates:     ${dupRun.reqPerSec} req/s (p99 ${dupRun.latencyMs.p99} ms)`);

    // A flood of forged deliveries (valid envelopes, wrong signature): how fast the route refuses them (401).
    const forged = makeDeliveries(2_000, { prefix: 'forged' }).map((d) => ({
      ...d,
      query: d.query.replace(/msg_signature=[0-9a-f]/, (m) => `${m.slice(0, -1)}${m.endsWith('0') ? '1' : '0'}`),
    }));
    const forgedRun = await load({ ...ourApp, deliveries: forged, duration: DURATION_S, expectStatus: 401 });
    log(`  forged:         ${forgedRun.reqPerSec} refusals/s (p99 ${forgedRun.latencyMs.p99} ms)`);

    // Completion runs after each answer; give the last ones a moment, then check nothing was lost or doubled.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stats = await ours.ask({ type: 'stats' }, 'stats');
    const best = (runs) => runs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const bestBare = best(bareRuns);
    const bestOurs = best(ourRuns);
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
        duplicatePath: dupRun,
        forgedSignatureRefusals: forgedRun,
        duplicateRatio: ratio(dupRun.reqPerSec, bestBare.reqPerSec),
        distinctDeliveriesSent: distinct,
        completedEvents: stats.completed,
        rejectedEvents: stats.rejected,
        appRssMiB: stats.rssMiB,
        goal: 'ratio >= 0.85',
        goalMet: ratio(bestOurs.reqPerSec, bestBare.reqPerSec) >= 0.85,
      },
    };
  } finally {
    await Promise.all([bare.stop(), ours.stop()]);
  }
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
    const { newJobMicros, duplicateMicros, forgedMicros } = await child.next('pipeline');
    log(
      `pipeline without HTTP: new job ${newJobMicros} µs, duplicate ${duplicateMicros} µs, forged ${forgedMicros} µs`,
    );
    return {
      what: 'WeComCallbackService.handleCallback per delivery, no HTTP (best of 3 rounds of 5,000)',
      newJobMicrosIncludingCompletion: newJobMicros,
      duplicateMicros,
      forgedSignatureMicros: forgedMicros,
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
