// The callback pipeline without HTTP for bench/telemetry.mjs: WeComCallbackService.handleCallback() (public API) per
// delivery of a submitted job (its record written first, as a submission does), in its own process, so the
// OpenTelemetry situation preloaded by bench/lib/otel-mode.mjs is the only difference between runs.
// IPC: sends { type: 'pipeline', newJobMicros, duplicateMicros, forgedMicros } (best of rounds, first dropped).
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { MemoryStore, WeComCallbackService } from 'nestjs-wecom-batch';
import { parentChannel, round } from '../lib/common.mjs';
import { KEYS, makeDeliveries } from '../lib/deliveries.mjs';
import { rootModule, wecomImports } from '../lib/nest.mjs';

const N = 2_500;
const ROUNDS = 3;

const store = new MemoryStore();
const AppModule = rootModule({
  imports: wecomImports({
    corpId: KEYS.corpId,
    corpSecret: KEYS.corpSecret,
    store,
    apiBaseUrl: 'http://127.0.0.1:9',
    callback: {
      url: 'http://127.0.0.1:9/wecom/batch/callback',
      token: KEYS.token,
      encodingAESKey: KEYS.encodingAESKey,
    },
    fetchResults: false,
  }),
});
const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
await app.init();
const callbacks = app.get(WeComCallbackService);
const request = (d) => ({ method: 'POST', query: d.query, body: Buffer.from(d.body), contentType: 'text/xml' });
const yieldToLoop = () => new Promise((resolve) => setTimeout(resolve, 0));

/** µs per delivery; with `completions`, the job completions (which run after each answer) are inside the window. */
async function perDelivery(requests, completions) {
  const started = performance.now();
  for (let i = 0; i < requests.length; i++) {
    await callbacks.handleCallback(requests[i]);
    if (completions && i % 50 === 49) await yieldToLoop();
  }
  if (completions) await yieldToLoop();
  return ((performance.now() - started) * 1000) / requests.length;
}

const results = { newJob: [], duplicate: [], forged: [] };
for (let r = 0; r < ROUNDS; r++) {
  const made = makeDeliveries(N, { prefix: `telemetry-${r}` });
  for (const d of made) {
    await store.saveJob(
      { corpId: KEYS.corpId, jobId: d.jobId, jobType: 'sync_user', submittedAt: Date.now(), status: 'pending' },
      3_600_000,
    );
  }
  const fresh = made.map(request);
  results.newJob.push(await perDelivery(fresh, true));
  results.duplicate.push(await perDelivery(fresh, false));
  const forged = fresh.map((q) => ({ ...q, query: q.query.replace(/msg_signature=./, 'msg_signature=x') }));
  results.forged.push(await perDelivery(forged, false));
}
await app.close();
const best = (xs) => round(Math.min(...xs.slice(1)), 1);
await parentChannel().send({
  type: 'pipeline',
  newJobMicros: best(results.newJob),
  duplicateMicros: best(results.duplicate),
  forgedMicros: best(results.forged),
});
process.exit(0);
