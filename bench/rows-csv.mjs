// rows-csv: the local cost of validate + CSV alone, in one process — buildMemberCsv (what syncUsers does with
// { users } before uploading) against the naive path (plainToInstance + validateSync per row, then one string
// join, as in bench/apps/sync-app.mjs), interleaved round by round on the same rows, at 100,000 and 1,000,000
// members. No app, no simulator: the figure is CPU time per row, so noise from the rest of a sync stays out.
// Also measured on the module's runs: the longest event-loop stall (monitorEventLoopDelay), which must stay
// within the 50 ms goal at 1,000,000 rows since buildMemberCsv yields between slices.
//   node bench/rows-csv.mjs     (after `node scripts/build.mjs`)
//   BENCH_ROWS_CSV_SIZES=100000,1000000   sizes (default)
//   BENCH_ROWS_CSV_ROUNDS=3               rounds per size (each: module then naive, or naive then module)
//   BENCH_CPU_PROF=1                      CPU profile of the module's last run at each size, into .tmp/profiles/
import { PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildMemberCsv } from 'nestjs-wecom-batch';
import { PROFILE_DIR, log, median, ratio, round, runMain } from './lib/common.mjs';
import { makeMembers } from './lib/members.mjs';
import { startProfile, stopProfile } from './lib/profiler.mjs';
import { naiveCsv } from './lib/naive-csv.mjs';
import { measureStall } from './lib/stall.mjs';

const SIZES = (process.env.BENCH_ROWS_CSV_SIZES ?? '100000,1000000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROWS_CSV_ROUNDS ?? (process.env.BENCH_QUICK === '1' ? 1 : 3));
const PROFILE = process.env.BENCH_CPU_PROF === '1';

// A full collection before each measured run, so one run's garbage is not collected on the next one's time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** V8's pauses of the main thread (ms, by start time), to tell a stall of the code from one of the collector. */
const gcPauses = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, ms: entry.duration });
}).observe({ entryTypes: ['gc'] });

/** Runs `fn` once: wall time, the longest event-loop stall while it ran, and the longest GC pause in it. */
async function timed(fn) {
  gc();
  const { value, ms, started, maxStallMs } = await measureStall(fn);
  // A GC entry is delivered a little after its pause: measureStall's closing tick leaves time for it.
  const gcMs = gcPauses.filter((p) => p.start >= started && p.start <= started + ms).map((p) => p.ms);
  return { value, ms, maxStallMs, maxGcPauseMs: Math.max(0, ...gcMs) };
}

async function measureSize(size) {
  // Through JSON, as rows arrive from an API or a database driver: flat strings. The generator's template
  // literals are rope strings, which whichever path ran first would pay to flatten for both.
  const rows = JSON.parse(JSON.stringify(makeMembers(size)));
  const module = [];
  const naive = [];
  let csvBytes = 0;
  let maxStallMs = 0;
  let maxGcPauseMs = 0;
  let naiveMaxGcPauseMs = 0;
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    // Alternate which path goes first, so neither always runs on a warmer (or more fragmented) heap.
    const order = round_ % 2 === 0 ? ['module', 'naive'] : ['naive', 'module'];
    for (const path of order) {
      if (path === 'module') {
        const last = round_ === ROUNDS - 1;
        if (PROFILE && last) await startProfile();
        const run = await timed(() => buildMemberCsv(rows));
        if (PROFILE && last) await stopProfile(`${PROFILE_DIR}rows-csv-${size}.cpuprofile`);
        csvBytes = run.value.csv.length;
        maxStallMs = Math.max(maxStallMs, run.maxStallMs);
        maxGcPauseMs = Math.max(maxGcPauseMs, run.maxGcPauseMs);
        module.push(run.ms);
      } else {
        const run = await timed(() => naiveCsv(rows));
        naive.push(run.ms);
        naiveMaxGcPauseMs = Math.max(naiveMaxGcPauseMs, run.maxGcPauseMs);
      }
    }
    log(
      `  ${size} rows, round ${round_ + 1}/${ROUNDS}: module ${round(module.at(-1), 0)} ms, ` +
        `naive ${round(naive.at(-1), 0)} ms (÷ naive ${ratio(module.at(-1), naive.at(-1))})`,
    );
  }
  const moduleMs = median(module);
  const naiveMs = median(naive);
  return {
    rows: size,
    csvBytes,
    moduleMs: round(moduleMs, 1),
    naiveMs: round(naiveMs, 1),
    usPerRow: round((moduleMs * 1000) / size, 2),
    naiveUsPerRow: round((naiveMs * 1000) / size, 2),
    ratio: ratio(moduleMs, naiveMs),
    roundRatios: module.map((ms, i) => ratio(ms, naive[i])),
    // The module's runs: the longest event-loop stall (wall time: on a busy machine it includes time the
    // process was not scheduled) and the longest GC pause within them (the collector's, not the code's).
    maxStallMs: round(maxStallMs, 1),
    maxGcPauseMs: round(maxGcPauseMs, 1),
    // The same for the naive runs: a heap of 1,000,000 rows makes any full collection long, whoever triggers it.
    naiveMaxGcPauseMs: round(naiveMaxGcPauseMs, 1),
    moduleRunsMs: module.map((ms) => round(ms, 0)),
    naiveRunsMs: naive.map((ms) => round(ms, 0)),
  };
}

async function main() {
  const sizes = [];
  for (const size of SIZES) {
    log(`rows-csv: ${size} members, ${ROUNDS} rounds`);
    sizes.push(await measureSize(size));
  }
  // The headline is the largest size: where the cost per row and the stalls matter most.
  const head = sizes.at(-1);
  return {
    summaries: [
      { name: 'rows-csv', metric: 'validate_csv_ms', value: head.moduleMs, baseline: head.naiveMs, ratio: head.ratio },
    ],
    figures: {
      headline: `buildMemberCsv ms at ${head.rows} rows (median of ${ROUNDS}) vs the naive class-validator path`,
      rounds: ROUNDS,
      sizes,
      goals: {
        vsNaive: { goal: '<= 0.4', met: sizes.every((s) => s.ratio <= 0.4) },
        maxStallMs: { goal: '<= 50', met: sizes.every((s) => s.maxStallMs <= 50) },
      },
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
