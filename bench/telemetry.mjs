// telemetry: what OpenTelemetry costs the module, per callback delivery (WeComCallbackService.handleCallback()
// without HTTP, bench/apps/telemetry-pipeline.mjs) and per sync (bench/apps/telemetry-sync.mjs: syncUsers through the
// simulator to completion), in three processes each: @opentelemetry/api absent (the baseline), installed without an
// SDK, and with a real SDK registered (bench/lib/otel-mode.mjs). Prints the cost per callback with the SDK.
import { BENCH_DIR, Child, log, ratio, round, runMain } from './lib/common.mjs';

const MODES = ['absent', 'api', 'sdk'];
const PRELOAD = ['--import', `${BENCH_DIR}lib/otel-mode.mjs`];

async function inMode(script, mode, type) {
  const child = new Child(`${BENCH_DIR}apps/${script}`, [], { execArgv: PRELOAD, env: { BENCH_OTEL: mode } });
  try {
    return await child.next(type, 200_000);
  } finally {
    await child.stop();
  }
}

/** Each mode runs this many times, interleaved (absent, api, sdk, absent, …): the best run of each counts. */
const REPEATS = process.env.BENCH_QUICK === '1' ? 1 : 2;

function better(current, next, key) {
  return current === undefined || next[key] < current[key] ? next : current;
}

runMain(async () => {
  const pipeline = {};
  const sync = {};
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const mode of MODES) {
      log(`telemetry: callback pipeline with @opentelemetry/api ${mode} (run ${repeat + 1}/${REPEATS})`);
      const p = await inMode('telemetry-pipeline.mjs', mode, 'pipeline');
      log(`  new job ${p.newJobMicros} µs, duplicate ${p.duplicateMicros} µs, forged ${p.forgedMicros} µs`);
      pipeline[mode] = better(pipeline[mode], p, 'newJobMicros');
      log(`telemetry: sync with @opentelemetry/api ${mode} (run ${repeat + 1}/${REPEATS})`);
      const q = await inMode('telemetry-sync.mjs', mode, 'sync');
      log(`  ${q.rows} rows: ${q.ms} ms`);
      sync[mode] = better(sync[mode], q, 'ms');
    }
  }
  const summaries = [];
  for (const mode of ['api', 'sdk']) {
    for (const [metric, key] of [
      ['callback_new_job_us', 'newJobMicros'],
      ['callback_duplicate_us', 'duplicateMicros'],
    ]) {
      const value = pipeline[mode][key];
      const baseline = pipeline.absent[key];
      summaries.push({
        name: 'telemetry',
        metric: `${metric}_${mode}`,
        value,
        baseline,
        ratio: ratio(value, baseline),
      });
    }
    summaries.push({
      name: 'telemetry',
      metric: `sync_ms_${mode}`,
      value: sync[mode].ms,
      baseline: sync.absent.ms,
      ratio: ratio(sync[mode].ms, sync.absent.ms),
    });
  }
  const costPerCallback = round(pipeline.sdk.newJobMicros - pipeline.absent.newJobMicros, 1);
  log(`telemetry: the SDK costs ${costPerCallback} µs per new-job callback (spans + metrics)`);
  summaries.push({
    name: 'telemetry',
    metric: 'sdk_cost_per_callback_us',
    value: costPerCallback,
    baseline: pipeline.absent.newJobMicros,
    ratio: ratio(pipeline.sdk.newJobMicros, pipeline.absent.newJobMicros),
  });
  return { summaries, figures: { pipeline, sync, sdkCostPerCallbackMicros: costPerCallback } };
});
