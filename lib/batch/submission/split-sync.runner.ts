import type { Logger } from '@nestjs/common';
import { Observable, ReplaySubject, type Subscription } from 'rxjs';
import { WeComJobTimeoutError } from '../../errors/wecom-job-timeout.error.js';
import { WeComSyncRunError, type WeComSyncRunPart } from '../../errors/wecom-sync-run.error.js';
import { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { BatchRunCompletedEvent } from '../../events/batch-run-completed.event.js';
import { attachResultRows } from '../../events/result-rows.util.js';
import { freezeDeep } from '../../internal/freeze-deep.util.js';
import { describeError } from '../../internal/safe-error.util.js';
import type { BatchResultRow } from '../../model/batch-job.types.js';
import type { BatchJobProgress } from '../tracking/tracking.types.js';
import type { UploadedPart } from './split-source.util.js';
import type { BatchJobPart, BatchRunFollower, SubmittedPart } from './split-sync.types.js';

/** What a run needs from the service. */
export interface SplitSyncDeps {
  corpId: string;
  logger: Logger;
  /** Submits an uploaded part (waiting for the corp's import slot), records it and emits `submitted`. */
  submit(part: UploadedPart): Promise<SubmittedPart>;
  /** Progress of a job until its completion (the last report carries the completed payload). */
  watchJob(jobId: string): Observable<BatchJobProgress>;
  /** Emits `wecom.batch.run.completed`. */
  emit(event: BatchRunCompletedEvent): void;
}

/**
 * Starts the rest of a split sync, after its first part was submitted (one part at a time, in the background),
 * and logs the run with every part's media id (what a restart needs to resume by hand). Resolves the run, for the
 * run's handle, and its data rows.
 */
export function startSplitSync(
  parts: readonly UploadedPart[],
  first: SubmittedPart,
  deps: SplitSyncDeps & { mediaLimitBytes: number },
): { run: SplitSyncRun; rows: number } {
  const run = new SplitSyncRun(parts, deps);
  run.start(first);
  const rows = run.totalRows;
  deps.logger.log(
    `split sync_user run ${first.jobId}: ${rows} rows in ${parts.length} files over mediaLimitBytes ` +
      `(${deps.mediaLimitBytes}); media ids ${parts.map((part) => part.mediaId).join(', ')}`,
  );
  return { run, rows };
}

/** Payloads keep `result` inline up to this many rows over the whole run (as single jobs do). */
const INLINE_RUN_ROWS = 10_000;

/**
 * One `syncUsers` over the media limit: its parts, uploaded before the first submission, run one after another
 * (each waits for the corp's import slot, so two parts never overlap, also across instances); the next part is
 * submitted once the previous one completed. A part that fails — ErrCode ≠ 0, or its submission or tracking
 * failed — stops the run with a {@link WeComSyncRunError}. Driven by the instance that started it: after a
 * restart, the parts not yet submitted are in the logs and the error (media ids valid 3 days).
 */
export class SplitSyncRun implements BatchRunFollower {
  readonly parts: BatchJobPart[];
  /** Data rows over every part. */
  readonly totalRows: number;
  private readonly progress$ = new ReplaySubject<BatchJobProgress>(1);
  private outcome!: Promise<BatchJobCompletedEvent>;
  private runId = '';

  constructor(
    uploaded: readonly UploadedPart[],
    private readonly deps: SplitSyncDeps,
  ) {
    this.parts = uploaded.map((part) => ({
      index: part.index,
      mediaId: part.mediaId,
      firstRow: part.firstRow,
      endRow: part.firstRow + (part.rows ?? 0),
    }));
    this.totalRows = this.parts.reduce((sum, part) => sum + part.endRow - part.firstRow, 0);
  }

  /** Starts the run with its first part, already submitted; resolves at once (the run goes on). */
  start(first: SubmittedPart): void {
    this.runId = first.jobId;
    this.parts[0].jobId = first.jobId;
    this.outcome = this.drive(first);
    // Nobody may ever call wait(): the outcome is reported by the run event and the log either way.
    this.outcome.catch(() => undefined);
  }

  wait(options: { timeoutMs?: number | undefined } = {}): Promise<BatchJobCompletedEvent> {
    const { timeoutMs } = options;
    if (timeoutMs === undefined) return this.outcome;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WeComJobTimeoutError(this.runId, timeoutMs)), timeoutMs);
    });
    return Promise.race([this.outcome, timeout]).finally(() => clearTimeout(timer));
  }

  watch(options: { timeoutMs?: number | undefined } = {}): Observable<BatchJobProgress> {
    return new Observable<BatchJobProgress>((subscriber) => {
      const inner = this.progress$.subscribe(subscriber);
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => subscriber.error(new WeComJobTimeoutError(this.runId, options.timeoutMs!)),
              options.timeoutMs,
            );
      return () => {
        inner.unsubscribe();
        clearTimeout(timer);
      };
    });
  }

  private async drive(first: SubmittedPart): Promise<BatchJobCompletedEvent> {
    const completed: BatchJobCompletedEvent[] = [];
    let job = first;
    try {
      for (let i = 0; i < this.parts.length; i++) {
        if (i > 0) {
          job = await this.submitPart(i, completed);
          this.parts[i].jobId = job.jobId;
        }
        const event = await this.follow(i, job.jobId, completed);
        const why = partFailure(event);
        if (why !== undefined) throw this.failure(i, completed, `its job ${job.jobId} ${why}`);
        completed.push(event);
      }
    } catch (error) {
      const failure =
        error instanceof WeComSyncRunError
          ? error
          : this.failure(completed.length, completed, describeError(error), error);
      this.deps.logger.error(failure.message);
      this.progress$.error(failure);
      this.deps.emit(this.runEvent(completed, failure));
      throw failure;
    }
    const merged = this.merge(completed);
    this.progress$.next({ jobId: this.runId, status: 3, percentage: 100, total: this.totalRows, completed: merged });
    this.progress$.complete();
    this.deps.emit(this.runEvent(completed, undefined));
    return merged;
  }

  private async submitPart(index: number, completed: BatchJobCompletedEvent[]): Promise<SubmittedPart> {
    const part = this.parts[index];
    try {
      return await this.deps.submit({
        index,
        mediaId: part.mediaId,
        firstRow: part.firstRow,
        rows: part.endRow - part.firstRow,
      });
    } catch (error) {
      throw this.failure(index, completed, `its submission failed: ${describeError(error)}`, error);
    }
  }

  /** Follows part `index` to completion, reporting its progress as progress over the whole run. */
  private follow(index: number, jobId: string, completed: BatchJobCompletedEvent[]): Promise<BatchJobCompletedEvent> {
    const part = this.parts[index];
    const partRows = part.endRow - part.firstRow;
    return new Promise<BatchJobCompletedEvent>((resolve, reject) => {
      let subscription: Subscription | undefined = undefined;
      subscription = this.deps.watchJob(jobId).subscribe({
        next: (report) => {
          if (report.completed) {
            resolve(report.completed);
            return;
          }
          const done = part.firstRow + (partRows * report.percentage) / 100;
          this.progress$.next({
            jobId: this.runId,
            status: 2,
            percentage: this.totalRows === 0 ? 0 : Math.min(99, Math.floor((done / this.totalRows) * 100)),
            total: this.totalRows,
          });
        },
        error: (error: unknown) =>
          reject(this.failure(index, completed, `following its job ${jobId} failed: ${describeError(error)}`, error)),
        complete: () => subscription?.unsubscribe(),
      });
    });
  }

  private failure(
    index: number,
    completed: BatchJobCompletedEvent[],
    reason: string,
    cause?: unknown,
  ): WeComSyncRunError {
    const view = (part: BatchJobPart): WeComSyncRunPart => ({ ...part });
    return new WeComSyncRunError(
      this.deps.corpId,
      this.parts.slice(0, completed.length).map(view),
      view(this.parts[index]),
      this.parts.slice(index + 1).map(view),
      reason,
      cause === undefined ? undefined : { cause },
    );
  }

  /** One payload for the whole run: the first part's ids, every part's counts, rows read part after part. */
  private merge(completed: BatchJobCompletedEvent[]): BatchJobCompletedEvent {
    const last = completed[completed.length - 1];
    const totalRows = completed.reduce((sum, e) => sum + (e.totalRows ?? e.result?.length ?? 0), 0);
    const inline = totalRows <= INLINE_RUN_ROWS && completed.every((e) => e.result !== undefined);
    const failed: BatchResultRow[] = [];
    for (const e of completed) for (const row of e.failed ?? []) if (failed.length < INLINE_RUN_ROWS) failed.push(row);
    const event = new BatchJobCompletedEvent({
      corpId: this.deps.corpId,
      jobId: this.runId,
      jobType: 'sync_user',
      errCode: 0,
      errMsg: 'ok',
      source: last.source,
      completedAt: last.completedAt,
      failedRows: completed.reduce((sum, e) => sum + e.failedRows, 0),
      totalRows,
      result: inline ? completed.flatMap((e): BatchResultRow[] => e.result ?? []) : undefined,
      failed,
    });
    if (!inline) {
      attachResultRows(event, async function* () {
        for (const part of completed) yield* part.rows();
      });
    }
    return freezeDeep(event);
  }

  private runEvent(completed: BatchJobCompletedEvent[], error: WeComSyncRunError | undefined): BatchRunCompletedEvent {
    return new BatchRunCompletedEvent({
      corpId: this.deps.corpId,
      runId: this.runId,
      jobType: 'sync_user',
      parts: this.parts.map((part) => ({ ...part })),
      completed: [...completed],
      totalRows: completed.reduce((sum, e) => sum + (e.totalRows ?? e.result?.length ?? 0), 0),
      failedRows: completed.reduce((sum, e) => sum + e.failedRows, 0),
      completedAt: new Date(),
      error,
    });
  }
}

/**
 * Why a completed part counts as failed, or `undefined`: a job-level ErrCode (the callback's), or every row
 * refused — polling learns a job-level failure only that way (getresult has no job ErrCode; each row then
 * carries the code). Some rows failing (a mobile taken…) is an ordinary outcome: the run goes on.
 */
function partFailure(event: BatchJobCompletedEvent): string | undefined {
  if (event.errCode !== 0) return `completed with ErrCode ${event.errCode}`;
  const rows = event.totalRows ?? event.result?.length ?? 0;
  if (rows > 0 && event.failedRows === rows) {
    const code = event.failed?.[0]?.errcode;
    return `refused every row${code === undefined ? '' : ` (errcode ${code})`}`;
  }
  return undefined;
}
