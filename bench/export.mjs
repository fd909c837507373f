// export: exportUsers → wait → rows() of 100,000 and of 1,000,000 generated members, in a running Nest app that
// keeps serving HTTP (GET /ping every 4 ms from this process), against the simulator in a third process (it
// generates and encrypts the files). Measured in the app: the longest event-loop stall, the peak RSS growth and
// the time per member of each size; then, on the 100,000-member export's bytes held in memory, the library's
// decrypt + streaming parse in MB/s beside node:crypto's raw AES-256-CBC on the same bytes (the physical limit),
// and the stall of the naive path (decrypt one whole file, JSON.parse it) as the baseline of the stall.
// Environment: BENCH_EXPORT_SIZES=100000,1000000 (default).
import { BENCH_DIR, Child, log, ratio, round, runMain } from './lib/common.mjs';
import { pacedPings } from './lib/paced-pings.mjs';

const SIZES = (process.env.BENCH_EXPORT_SIZES ?? '100000,1000000').split(',').map(Number);
const CORPS = SIZES.map((members, i) => ({
  corpId: `wwexportbench${String(i).padStart(4, '0')}`,
  corpSecret: `ExportBenchSecret-${i}-0123456789abcdef`,
  members,
}));
/** Exported once before the measured runs, so that they measure the steady state, not first-call compilation. */
const WARM_UP = { corpId: 'wwexportbenchwarm', corpSecret: 'ExportBenchSecret-warm-0123456789ab', members: 5_000 };

async function main() {
  const sim = new Child(`${BENCH_DIR}apps/export-simulator.mjs`, [JSON.stringify({ corps: [WARM_UP, ...CORPS] })]);
  let app;
  try {
    const { url: apiBaseUrl } = await sim.next('ready', 180_000);
    app = new Child(`${BENCH_DIR}apps/export-app.mjs`, [JSON.stringify({ apiBaseUrl, corps: [WARM_UP, ...CORPS] })], {
      execArgv: ['--expose-gc'],
    });
    const { url } = await app.next('ready', 120_000);
    log(`export: warm-up (${WARM_UP.members} members, not measured)`);
    await app.ask({ type: 'export', corpId: WARM_UP.corpId }, 'exported', 120_000);
    const runs = [];
    for (const corp of CORPS) {
      log(`export: exportUsers + rows() of ${corp.members} members`);
      const pings = pacedPings(`${url}/ping`);
      const run = await app.ask({ type: 'export', corpId: corp.corpId }, 'exported', 600_000);
      run.ping = await pings.stop();
      const { jobs } = await sim.ask({ type: 'exports', corpId: corp.corpId }, 'exports');
      const job = jobs.find((j) => j.jobId === run.jobId);
      run.files = job?.files.length;
      run.ciphertextBytes = job?.files.reduce((n, f) => n + f.size, 0);
      run.members = corp.members;
      log(
        `  export+wait ${run.exportAndWait.ms} ms; rows() ${run.rows.ms} ms = ${run.rows.usPerMember} µs/member ` +
          `(max stall ${run.rows.maxEventLoopDelayMs} ms, RSS +${run.rows.peakRssGrowthMiB} MiB, ` +
          `${run.files} files, ${round(run.ciphertextBytes / 1e6, 1)} MB; ping max ${run.ping.latencyMs.max} ms)`,
      );
      runs.push(run);
    }
    log('export: decrypt + parse vs raw AES-256-CBC, on the first export’s bytes in memory');
    const speed = await app.ask(
      { type: 'throughput', corpId: CORPS[0].corpId, jobId: runs[0].jobId },
      'throughput',
      600_000,
    );
    log(
      `  raw AES ${speed.rawAes.mbPerS} MB/s, decrypt+parse ${speed.decryptAndParse.mbPerS} MB/s ` +
        `(max stall ${speed.decryptAndParse.maxEventLoopDelayMs} ms); naive one file: stall ${speed.naiveOneFile.maxEventLoopDelayMs} ms`,
    );

    const small = runs[0];
    const large = runs.at(-1);
    const stall = Math.max(
      ...runs.map((r) => Math.max(r.rows.maxEventLoopDelayMs, r.exportAndWait.maxEventLoopDelayMs)),
    );
    const perMemberRatio = ratio(large.rows.usPerMember, small.rows.usPerMember);
    return {
      summaries: [
        {
          name: 'export',
          metric: 'max_event_loop_delay_ms',
          value: stall,
          baseline: speed.naiveOneFile.maxEventLoopDelayMs,
          ratio: ratio(stall, speed.naiveOneFile.maxEventLoopDelayMs),
        },
        {
          name: 'export',
          metric: 'us_per_member',
          value: large.rows.usPerMember,
          baseline: small.rows.usPerMember,
          ratio: perMemberRatio,
        },
        {
          name: 'export',
          metric: 'peak_rss_growth_mib',
          value: large.rows.peakRssGrowthMiB,
          baseline: small.rows.peakRssGrowthMiB,
          ratio: ratio(large.rows.peakRssGrowthMiB, small.rows.peakRssGrowthMiB),
        },
        {
          name: 'export',
          metric: 'decrypt_parse_mb_per_s',
          value: speed.decryptAndParse.mbPerS,
          baseline: speed.rawAes.mbPerS,
          ratio: ratio(speed.decryptAndParse.mbPerS, speed.rawAes.mbPerS),
        },
      ],
      figures: {
        headline: 'exportUsers → rows() at two sizes: stall, RSS, µs/member; decrypt+parse MB/s vs raw AES',
        runs,
        throughput: speed,
        goals: {
          maxEventLoopDelayMs: { goal: '<= 50', value: stall, met: stall <= 50 },
          peakRssGrowthMiB: {
            goal: `<= 200 at ${large.members}`,
            value: large.rows.peakRssGrowthMiB,
            met: large.rows.peakRssGrowthMiB <= 200,
          },
          usPerMember: {
            goal: 'within ±25 % between sizes',
            ratio: perMemberRatio,
            met: Math.abs(perMemberRatio - 1) <= 0.25,
          },
        },
      },
    };
  } finally {
    await app?.stop();
    await sim.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
