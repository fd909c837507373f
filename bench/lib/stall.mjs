// The one way the benchmarks time a piece of work and the longest event-loop stall while it runs.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * Runs `fn` once: its value, its wall time (`ms`), when it started (`started`, performance.now()), and the longest
 * and the 99th-percentile event-loop delay while it ran (`maxStallMs`, `p99StallMs`; unrounded).
 */
export async function measureStall(fn) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // The histogram's first tick only sets its reference point: a stall before it would go unrecorded.
  await tick();
  const started = performance.now();
  const value = await fn();
  const ms = performance.now() - started;
  // The histogram records a stall when its timer finally runs: let it run once more before reading it.
  await tick();
  delay.disable();
  return { value, ms, started, maxStallMs: delay.max / 1e6, p99StallMs: delay.percentile(99) / 1e6 };
}
