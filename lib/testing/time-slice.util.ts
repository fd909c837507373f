import { yieldToEventLoop } from '../internal/backoff.util.js';

/**
 * How long the simulator computes before it lets the event loop run: it usually shares its process with the app
 * under test (and the benchmarks' ping), so a 1,000,000-row job must never hold the loop for more than a few ms.
 */
export const SLICE_BUDGET_MS = 8;

/** Counts work and yields to the event loop once a slice's budget is spent (checking the clock every N steps). */
export class TimeSlicer {
  private sliceStart = performance.now();
  private steps = 0;

  constructor(
    private readonly budgetMs = SLICE_BUDGET_MS,
    private readonly checkEvery = 256,
  ) {}

  /** Call once per unit of work; resolves at once unless the slice is over (then after other work ran). */
  async tick(): Promise<void> {
    if (++this.steps % this.checkEvery !== 0) return;
    if (performance.now() - this.sliceStart < this.budgetMs) return;
    await yieldToEventLoop();
    this.sliceStart = performance.now();
  }
}

/**
 * Runs a generator to its end. With `sliced`, it yields to the event loop whenever a slice's budget is spent
 * (the generator `yield`s between units of work); without, it runs in one go (small jobs keep their synchronous,
 * immediately observable effect).
 */
export function drive<T>(work: Generator<unknown, T>, sliced: false): T;
export function drive<T>(work: Generator<unknown, T>, sliced: true): Promise<T>;
export function drive<T>(work: Generator<unknown, T>, sliced: boolean): T | Promise<T> {
  if (!sliced) {
    for (;;) {
      const step = work.next();
      if (step.done) return step.value;
    }
  }
  return (async () => {
    const slicer = new TimeSlicer(SLICE_BUDGET_MS, 64);
    for (;;) {
      const step = work.next();
      if (step.done) return step.value;
      await slicer.tick();
    }
  })();
}
