// The callback pipeline without HTTP: WeComCallbackService.handleCallback() (public API) per delivery, in its own
// process — to tell the module's own cost per delivery from the HTTP framework's in callback-throughput.
// IPC: sends { type: 'pipeline', newJobMicros, duplicateMicros, retryMicros, forgedMicros, forgedWorstMicros }.
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { MemoryStore, WeComCallbackService } from 'nestjs-wecom-batch';
import { parentChannel, round } from '../lib/common.mjs';
import { KEYS, makeDeliveries, worstShapeForgeries } from '../lib/deliveries.mjs';
import { rootModule, wecomImports } from '../lib/nest.mjs';

const N = 5_000;
const ROUNDS = 4;

const store = new MemoryStore();
const AppModule = rootModule({
  imports: wecomImports({
    store,
    corpId: KEYS.corpId,
    corpSecret: KEYS.corpSecret,
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

const results = { newJob: [], duplicate: [], retry: [], forged: [], forgedWorst: [] };
const worst = worstShapeForgeries(N).map(request);
for (let r = 0; r < ROUNDS; r++) {
  const made = makeDeliveries(N, { prefix: `pipeline-${r}` });
  // Submitted jobs (their records written, as a submission does): the path a real delivery takes.
  for (const d of made) {
    await store.saveJob(
      { corpId: KEYS.corpId, jobId: d.jobId, jobType: 'sync_user', submittedAt: Date.now(), status: 'pending' },
      3_600_000,
    );
  }
  const fresh = made.map(request);
  results.newJob.push(await perDelivery(fresh, true));
  // Duplicates of 5,000 deliveries: more than the verifier remembers, so each is verified and parsed again.
  results.duplicate.push(await perDelivery(fresh, false));
  // WeCom's retries of the last few deliveries (50 of them, 100 times each): the verification is remembered.
  results.retry.push(
    await perDelivery(
      Array.from({ length: N }, (_, i) => fresh[i % 50]),
      false,
    ),
  );
  const forged = fresh.map((q) => ({ ...q, query: q.query.replace(/msg_signature=./, 'msg_signature=x') }));
  results.forged.push(await perDelivery(forged, false));
  results.forgedWorst.push(await perDelivery(worst, false));
}
await app.close();
const best = (xs) => round(Math.min(...xs.slice(1)), 1);
await parentChannel().send({
  type: 'pipeline',
  newJobMicros: best(results.newJob),
  duplicateMicros: best(results.duplicate),
  retryMicros: best(results.retry),
  forgedMicros: best(results.forged),
  forgedWorstMicros: best(results.forgedWorst),
});
process.exit(0);
