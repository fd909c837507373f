import { performance } from 'node:perf_hooks';
import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';

/** Work done between two hand-backs to the event loop, by default. */
export const DEFAULT_SLICE_MS = 5;

/** Options shared by the row checkers and CSV builders. */
export interface RowStepOptions {
  /**
   * Longest stretch of synchronous work, in milliseconds, before the async functions hand the event loop back
   * (`setImmediate`) so the app keeps serving requests while a large import is prepared.
   * @default 5
   */
  sliceMs?: number;
}

/** A check over rows that can be fed one row at a time (MemberRowsCheck, DepartmentRowsCheck). */
export interface RowsCheck<R> {
  /** What the rows describe, for error messages. */
  readonly kind: 'member' | 'department';
  /** Checks the row at `index`; returns the view to write when the row passed its own checks. */
  add(input: unknown, index: number): R | undefined;
  /** How many rows will be added, when known before the first (an array input): lets tables be sized once. */
  expectRows?(count: number): void;
  /** The view of a row, as `add` returns it for valid rows. */
  view(input: unknown): R | undefined;
  /**
   * Rules across all rows that need the whole input (the department tree), run after the last `add` and
   * yielding when `clock` says the slice is used up.
   */
  acrossRows?(clock: SliceClock): Generator<void, void, void>;
  /** All problems, once every row was added (and `acrossRows` ran). */
  finish(): WeComRowProblem[];
}

/** Tells a loop when it has worked for a slice; the time is read every 16th call only (it is not free). */
export class SliceClock {
  private started = performance.now();
  private calls = 0;

  constructor(private readonly budgetMs: number = DEFAULT_SLICE_MS) {}

  /** True when the current slice is used up; yield, then call {@link restart}. */
  due(): boolean {
    if ((++this.calls & 15) !== 0) return false;
    return this.dueNow();
  }

  /** Like {@link due}, reading the time now (for callers that check after a larger piece of work). */
  dueNow(): boolean {
    return performance.now() - this.started >= this.budgetMs;
  }

  restart(): void {
    this.started = performance.now();
  }
}

/** Drives a step generator to its end without yielding (the synchronous API). */
export function runBlocking<R>(steps: Generator<void, R, void>): R {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Drives a step generator, handing the event loop back between steps (`setImmediate`, after I/O callbacks). */
export async function runSliced<R>(steps: Generator<void, R, void>): Promise<R> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The result of the first pass over the rows. */
export interface CheckedRows {
  /** The rows as an array (the input itself when it was one, so it is not copied). */
  rows: readonly unknown[];
  /** Problems of every row and across rows; empty when the rows are valid. */
  problems: WeComRowProblem[];
}

/**
 * First pass: feeds every row to `check` (and each view to `onView`), yielding when a slice is used up.
 * A non-array iterable is collected into an array (references only) because the writer reads it again.
 */
export function* checkRowsSteps<R>(
  check: RowsCheck<R>,
  input: Iterable<unknown>,
  options: RowStepOptions,
  onView?: (row: R) => void,
): Generator<void, CheckedRows, void> {
  if (
    input === null ||
    typeof input !== 'object' ||
    typeof (input as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    const message = 'rows must be an array (or another iterable) of row objects';
    return { rows: [], problems: [{ row: -1, field: '(file)', message }] };
  }
  const clock = new SliceClock(options.sliceMs);
  const kept: unknown[] | undefined = Array.isArray(input) ? undefined : [];
  if (!kept) check.expectRows?.((input as unknown[]).length);
  let index = 0;
  for (const raw of input) {
    const view = check.add(raw, index++);
    if (view && onView) onView(view);
    kept?.push(raw);
    if (clock.due()) {
      yield;
      clock.restart();
    }
  }
  if (check.acrossRows) yield* check.acrossRows(clock);
  return { rows: kept ?? (input as unknown[]), problems: check.finish() };
}
