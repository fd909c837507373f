import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, round } from './common.mjs';

/**
 * Open-loop load: a GET every `intervalMs` whether or not the previous ones were answered (a closed-loop or
 * per-second-quota generator can sit idle through a stall and never see it). `stop()` resolves the latencies in ms.
 * `pause()` / `resume()` stop and restart sending (around a step that blocks the app by design: the thousands of
 * pings queued meanwhile would reach it all at once afterwards and load the next step with a backlog flood).
 */
export function pacedPings(url, intervalMs = 4) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies = [];
  let failed = 0;
  const inFlight = new Set();
  let paused = false;
  const timer = setInterval(() => {
    if (paused) return;
    const started = performance.now();
    const done = new Promise((resolve) => {
      const req = get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - started);
          else failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  }, intervalMs);
  return {
    /** Stops sending; resolves once the pings already sent were answered (none is left to wait through the step). */
    async pause() {
      paused = true;
      await Promise.all(inFlight);
    },
    resume() {
      paused = false;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
      return {
        intervalMs,
        answered: latencies.length,
        failed,
        latencyMs: {
          p50: round(percentile(latencies, 50), 1),
          p99: round(percentile(latencies, 99), 1),
          max: round(Math.max(...latencies), 1),
        },
      };
    },
  };
}
