// sync-100k: syncUsers with 100,000 member rows in a running Nest app that keeps serving HTTP (GET /ping under a
// steady load from this process), against the simulator in a third process. Measured in the app: the event
// loop's longest stall (monitorEventLoopDelay), the local time of validate + CSV and the peak RSS growth, for the
// module and for the naive path (plainToInstance + validateSync per row, then one string join), same run.
import { BENCH_DIR, Child, PROFILE_DIR, log, ratio, round, runMain } from './lib/common.mjs';
import { pacedPings } from './lib/paced-pings.mjs';
import { SYNC_CORP, SYNC_DEPARTMENTS } from './lib/members.mjs';

const ROWS = Number(process.env.BENCH_SYNC_ROWS ?? 100_000);
/** A steady GET /ping every 4 ms (250/s), each timed: a stall of the app shows up as the wait of the pings behind it. */
const PING_INTERVAL_MS = 4;
const APP = `${BENCH_DIR}apps/sync-app.mjs`;

/** Runs one app child (module or naive) under load; its measurements plus the /ping latencies seen here. */
async function runApp(mode, apiBaseUrl) {
  const app = new Child(APP, [JSON.stringify({ mode, apiBaseUrl, rows: ROWS })], {
    execArgv: ['--expose-gc', ...profileArgs(mode)],
  });
  try {
    const { url } = await app.next('ready', 180_000);
    const pings = pacedPings(`${url}/ping`, PING_INTERVAL_MS);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    app.send({ type: 'go' });
    const { result } = await app.next('result', 300_000);
    result.ping = await pings.stop();
    return result;
  } finally {
    await app.stop();
  }
}

function profileArgs(mode) {
  if (process.env.BENCH_CPU_PROF !== '1') return [];
  return ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=sync-100k-${mode}.cpuprofile`];
}

async function main() {
  const simOptions = {
    corps: [{ corpId: SYNC_CORP.corpId, corpSecret: SYNC_CORP.corpSecret, departments: SYNC_DEPARTMENTS }],
    jobDelayMs: 100,
  };
  const sim = new Child(`${BENCH_DIR}apps/simulator.mjs`, [JSON.stringify(simOptions)]);
  try {
    const { url: apiBaseUrl } = await sim.next('ready');
    log(`sync-100k: module (${ROWS} rows)`);
    const ours = await runApp('module', apiBaseUrl);
    log(
      `  build ${ours.build.ms} ms (max stall ${ours.build.maxEventLoopDelayMs} ms, RSS +${ours.build.peakRssGrowthMiB} MiB), ` +
        `syncUsers ${ours.syncUsers.ms} ms (max stall ${ours.syncUsers.maxEventLoopDelayMs} ms), ` +
        `completion ${ours.completion.ms} ms (max stall ${ours.completion.maxEventLoopDelayMs} ms)`,
    );
    log('sync-100k: naive path');
    const naive = await runApp('naive', apiBaseUrl);
    log(
      `  naive ${naive.build.ms} ms (max stall ${naive.build.maxEventLoopDelayMs} ms, RSS +${naive.build.peakRssGrowthMiB} MiB)`,
    );
    const { jobs } = await sim.ask({ type: 'jobs' }, 'jobs');

    const syncStall = Math.max(ours.syncUsers.maxEventLoopDelayMs, ours.completion.maxEventLoopDelayMs);
    const baselineStall = naive.build.maxEventLoopDelayMs;
    const csvBytes = ours.build.csvBytes;
    const rssFactor = round(ours.build.peakRssGrowthBytes / csvBytes, 2);
    const syncRssFactor = round(
      Math.max(ours.syncUsers.peakRssGrowthBytes, ours.completion.peakRssGrowthBytes) / csvBytes,
      2,
    );
    return {
      summaries: [
        {
          name: 'sync-100k',
          metric: 'max_event_loop_delay_ms',
          value: syncStall,
          baseline: baselineStall,
          ratio: ratio(syncStall, baselineStall),
        },
      ],
      figures: {
        rows: ROWS,
        csvBytes,
        headline: 'longest event-loop stall of the app during syncUsers → job completed, vs the naive path',
        module: ours,
        naive: naive.build,
        naivePing: naive.ping,
        localTime: {
          moduleValidateAndCsvMs: ours.build.ms,
          naiveValidateAndJoinMs: naive.build.ms,
          ratio: ratio(ours.build.ms, naive.build.ms),
        },
        peakRssGrowth: {
          validateAndCsvTimesCsvSize: rssFactor,
          wholeSyncTimesCsvSize: syncRssFactor,
          naiveTimesCsvSize: round(naive.build.peakRssGrowthBytes / csvBytes, 2),
        },
        simulatorJobs: jobs,
        goals: {
          maxEventLoopDelayMs: { goal: '<= 50', met: syncStall <= 50 },
          localTime: { goal: 'module <= naive', met: ours.build.ms <= naive.build.ms },
          peakRss: { goal: 'validate + CSV <= 5x CSV size', met: rssFactor <= 5 },
        },
      },
    };
  } finally {
    await sim.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
