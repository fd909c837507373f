// `npm run bench [-- <names…>] [-- --no-build]`: builds the package, then runs each benchmark in bench/ in a
// process of its own against the BUILT package ('nestjs-wecom-batch' resolves to dist/ through the package's
// exports map). Prints one `BENCH <name> <metric>=<value> baseline=<value> ratio=<value>` line per figure on
// stdout (progress goes to stderr) and writes every figure, with the machine, to bench/results.json.
//
// Names: callback-throughput, crypto, token-storm, sync-100k, ack-latency, mirror, export, telemetry, rows-csv (each
// also runs alone after a build: `node bench/crypto.mjs`). Environment:
//   BENCH_QUICK=1           shorter runs, for working on the harness (figures not comparable)
//   BENCH_ADAPTERS=express  callback-throughput / ack-latency on one adapter only
//   BENCH_CPU_PROF=1        CPU profiles of the measured windows into .tmp/profiles/ (read them with
//                           `node bench/profile-summary.mjs <file> [--match REGEXP] [--long-tasks N]`)
//   BENCH_SYNC_ROWS=N       sync-100k with N rows instead of 100,000
//   BENCH_EXPORT_SIZES=a,b  export with these directory sizes instead of 100000,1000000
//   BENCH_MIRROR_MEMBERS=N  mirror: plan N members instead of 100,000
//   BENCH_ROWS_CSV_SIZES=a,b / BENCH_ROWS_CSV_ROUNDS=N  rows-csv sizes (default 100000,1000000) and rounds (3)
//   scale (only when named: `npm run bench -- scale`; up to an hour): BENCH_SCALE_SIZES=10000,100000 and
//                           BENCH_SCALE_STORES=memory,redis choose the sizes and stores
//   REDIS_SERVER_BIN=path   the redis-server for token-storm (default: the PATH's; without one, the Redis
//                           figures are skipped with the reason printed)
import { execFileSync, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machine, summaryLine } from '../bench/lib/common.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BENCHMARKS = [
  'callback-throughput',
  'crypto',
  'token-storm',
  'sync-100k',
  'ack-latency',
  'mirror',
  'export',
  'telemetry',
  'rows-csv',
];
/**
 * Run only when named (`npm run bench -- scale`): too long for the default run. scale syncs up to 1,000,000
 * members per store (BENCH_SCALE_SIZES / BENCH_SCALE_STORES choose).
 */
const OPT_IN = { scale: 3_600_000 };
/** A benchmark that runs longer than this is stopped. */
const BENCH_TIMEOUT_MS = 240_000;
/**
 * Longer limits: callback-throughput measures three rounds, duplicates, two forged floods and a flood with genuine
 * deliveries on two adapters — about 4 to 5 minutes on a 2-core machine.
 */
const TIMEOUTS = { 'callback-throughput': 480_000 };

const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const selected = args.filter((a) => !a.startsWith('--'));
const unknown = selected.filter((name) => !BENCHMARKS.includes(name) && !(name in OPT_IN));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; one of ${[...BENCHMARKS, ...Object.keys(OPT_IN)].join(', ')}`,
  );
  process.exit(2);
}
const names = selected.length > 0 ? selected : BENCHMARKS;
const started = Date.now();

if (build) {
  process.stderr.write('building the package (node scripts/build.mjs)…\n');
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: ['ignore', process.stderr, 'inherit'] });
}

/** Runs bench/<name>.mjs; resolves its `{ summaries, figures }` or rejects with why it failed. */
function runBenchmark(name) {
  return new Promise((resolve, reject) => {
    const child = fork(`${ROOT}bench/${name}.mjs`, [], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
    });
    let result;
    const timeoutMs = OPT_IN[name] ?? TIMEOUTS[name] ?? BENCH_TIMEOUT_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('message', (message) => {
      if (message?.type === 'bench-result') result = message.result;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result && code === 0) resolve(result);
      else reject(new Error(`exited with ${code ?? signal} and no result`));
    });
  });
}

const results = { machine: machine(), benchmarks: {}, summaries: [], failures: {} };
for (const name of names) {
  process.stderr.write(`\n── ${name} ──\n`);
  const benchStarted = Date.now();
  try {
    const { summaries, figures } = await runBenchmark(name);
    results.benchmarks[name] = { ...figures, wallSeconds: Math.round((Date.now() - benchStarted) / 1000) };
    for (const summary of summaries) {
      results.summaries.push(summary);
      console.log(summaryLine(summary));
    }
  } catch (error) {
    results.failures[name] = error.message;
    process.stderr.write(`${name} failed: ${error.message}\n`);
  }
}
results.totalSeconds = Math.round((Date.now() - started) / 1000);
writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);

process.stderr.write(`\nall figures: bench/results.json (${results.totalSeconds} s in all)\n`);
for (const summary of results.summaries) process.stderr.write(`${summaryLine(summary)}\n`);
if (Object.keys(results.failures).length > 0) {
  process.stderr.write(`failed: ${Object.keys(results.failures).join(', ')}\n`);
  process.exit(1);
}
