// ack-latency: how long WeCom waits for the 200 of a valid callback while an @OnEvent listener of the completed
// event takes 10 s (it must not hold the answer: WeCom gives up after 5 s and retries). Deliveries are paced
// (one every 25 ms for 10 s, each a new job) so every one lands while earlier listeners are still running.
// Baseline, same run: the same app without the slow listener.
import { performance } from 'node:perf_hooks';
import { BENCH_DIR, Child, log, percentile, ratio, round, runMain } from './lib/common.mjs';
import { makeDeliveries } from './lib/deliveries.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const INTERVAL_MS = 25;
const WINDOW_MS = QUICK ? 3_000 : 10_000;
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify').split(',');
const APP = `${BENCH_DIR}apps/callback-app.mjs`;

async function measure(adapter, listener) {
  const app = new Child(APP, [adapter, 'module', listener]);
  try {
    const { url, path } = await app.next('ready');
    const count = Math.floor(WINDOW_MS / INTERVAL_MS);
    const deliveries = makeDeliveries(count + 20, { prefix: `ack-${adapter}-${listener}` });
    const post = async (d) => {
      const started = performance.now();
      const response = await fetch(`${url}${path}?${d.query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: d.body,
      });
      const body = await response.text();
      return { ms: performance.now() - started, status: response.status, body };
    };
    for (const d of deliveries.slice(count)) await post(d); // warm-up
    const latencies = [];
    let failures = 0;
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const due = started + i * INTERVAL_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const answer = await post(deliveries[i]);
      if (answer.status !== 200 || answer.body !== '') failures++;
      latencies.push(answer.ms);
    }
    const stats = await app.ask({ type: 'stats' }, 'stats');
    const figure = {
      adapter,
      listener: listener === 'slow' ? '@OnEvent(completed, { async: true }) that takes 10 s' : 'none',
      deliveries: count,
      non200OrBody: failures,
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      maxMs: round(Math.max(...latencies), 2),
      completedEvents: stats.completed,
      slowListenersStarted: stats.slowStarted,
      slowListenersStillRunning: stats.slowStarted - stats.slowFinished,
    };
    log(
      `  ${adapter}, listener ${listener}: p50 ${figure.p50Ms} ms, p99 ${figure.p99Ms} ms, max ${figure.maxMs} ms` +
        (listener === 'slow' ? ` (${figure.slowListenersStillRunning} slow listeners still running)` : ''),
    );
    return figure;
  } finally {
    await app.stop();
  }
}

async function main() {
  const runs = [];
  log('ack-latency');
  for (const adapter of ADAPTERS) {
    runs.push({ adapter, slow: await measure(adapter, 'slow'), none: await measure(adapter, 'none') });
  }
  const worst = runs.reduce((a, b) => (b.slow.p99Ms > a.slow.p99Ms ? b : a));
  const allAnswered = runs.every((r) => r.slow.non200OrBody === 0 && r.none.non200OrBody === 0);
  const listenersOverlapped = runs.every((r) => r.slow.slowListenersStillRunning > 0);
  return {
    summaries: [
      {
        name: 'ack-latency',
        metric: 'p99_ms',
        value: worst.slow.p99Ms,
        baseline: worst.none.p99Ms,
        ratio: ratio(worst.slow.p99Ms, worst.none.p99Ms),
      },
    ],
    figures: {
      headline: `p99 ACK latency with a 10 s listener (worst adapter: ${worst.adapter}) vs the same app without it`,
      intervalMs: INTERVAL_MS,
      windowMs: WINDOW_MS,
      runs,
      goal: 'p99 < 50 ms',
      goalMet: worst.slow.p99Ms < 50 && allAnswered && listenersOverlapped,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);
