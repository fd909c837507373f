import { Inject, Injectable, Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { RESULTS_CLEANED_ERRCODE, UNKNOWN_JOB_ERRCODE } from '../../client/wecom-errcodes.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { BoundedSet } from '../../internal/bounded-set.util.js';
import { describeError, errcodeOf } from '../../internal/safe-error.util.js';
import { isExportJobType, type BatchJobResult } from '../../model/batch-job.types.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_RESULT_FETCHER } from '../../wecom-batch.internal-constants.js';
import { logFields } from '../../telemetry/log-fields.util.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { pollExportJob } from './export-poll.util.js';
import { JobCompleter } from './job-completer.service.js';
import { JobRecords } from './job-records.service.js';
import type { JobResultFetcher, TrackOptions } from './tracking.types.js';

/** At most this many abandoned marks are kept per instance (a few hundred KB). */
export const MAX_ABANDONED_MARKS = 10_000;

/** A `batch/getresult` answer the poll schedule of a job received (what `watchJob` reports as progress). */
export interface JobAnswer {
  jobId: string;
  result: BatchJobResult;
}

/** A job that cannot be tracked: unknown to WeCom (40088), or an error polling again will not fix. */
export interface JobFailure {
  jobId: string;
  error: unknown;
}

/** The one poll schedule of one job on this instance. */
interface Schedule {
  readonly jobId: string;
  readonly startedAt: number;
  /** The wait after the next poll; doubles up to `polling.maxIntervalMs`. */
  interval: number;
  timer?: NodeJS.Timeout;
  polling: boolean;
  /** Aborts the in-flight getresult once the job settles; made by the first call (an abort() builds a DOMException). */
  abort?: AbortController;
  readonly onSettled: Array<() => void>;
}

/**
 * ONE poll schedule per job per instance. Whoever cares about a job subscribes to what this schedule learns —
 * `waitForJob` to {@link completions}/{@link failures}, `watchJob` also to {@link answers} — instead of
 * polling on its own, so a job that is watched and waited is still polled once per interval.
 *
 * Timing: the first poll comes after `polling.callbackGraceMs` with a callback configured (the callback is the
 * primary signal), else after `initialIntervalMs`; then the interval doubles up to `maxIntervalMs`. While a
 * watcher is subscribed the schedule runs at the progress cadence (first poll at once, from `initialIntervalMs`),
 * since a watcher wants progress, not just the end. After `timeoutMs` the job is abandoned here (it stays pending).
 */
@Injectable()
export class JobPoller {
  private readonly logger = new Logger(JobPoller.name);
  private readonly schedules = new Map<string, Schedule>();
  /** How many `watchJob` subscribers each job has. */
  private readonly watchers = new Map<string, number>();
  /**
   * Jobs this instance stopped following for good (timed out, unknown to WeCom): the sweep leaves them alone.
   * Bounded (the oldest mark goes first: forgetting one costs at most one more poll schedule later) and pruned by
   * the sweep once a job is no longer pending.
   */
  private readonly abandoned = new BoundedSet<string>(MAX_ABANDONED_MARKS);
  private readonly completed$ = new Subject<BatchJobCompletedEvent>();
  private readonly failed$ = new Subject<JobFailure>();
  private readonly answers$ = new Subject<JobAnswer>();
  private closed = false;

  /** Completed-event payloads of jobs completed here or elsewhere (learnt by poll or notice). Ends at shutdown. */
  readonly completions: Observable<BatchJobCompletedEvent> = this.completed$.asObservable();
  /** Jobs that cannot be tracked. Ends at shutdown. */
  readonly failures: Observable<JobFailure> = this.failed$.asObservable();
  /** Every getresult answer of the schedules. Ends at shutdown. */
  readonly answers: Observable<JobAnswer> = this.answers$.asObservable();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_RESULT_FETCHER) private readonly fetcher: JobResultFetcher,
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(JobCompleter) private readonly completer: JobCompleter,
  ) {}

  /**
   * Starts following `jobId` on this instance (idempotent: a second call adds its `onSettled`, and a `delayMs`
   * of 0 brings the next poll forward). After shutdown, `onSettled` runs at once.
   */
  track(jobId: string, options: TrackOptions = {}): void {
    const { polling } = this.options;
    const delayMs = options.delayMs ?? (this.options.callback ? polling.callbackGraceMs : polling.initialIntervalMs);
    const existing = this.schedules.get(jobId);
    if (existing) {
      if (options.onSettled) existing.onSettled.push(options.onSettled);
      if (delayMs === 0 && !existing.polling) this.schedule(existing, 0);
      return;
    }
    if (this.closed) {
      options.onSettled?.();
      return;
    }
    // Followed again (a callback came, or a waiter asked): the job is no longer given up on.
    this.abandoned.delete(jobId);
    const job: Schedule = {
      jobId,
      startedAt: Date.now(),
      interval: polling.initialIntervalMs,
      polling: false,
      onSettled: options.onSettled ? [options.onSettled] : [],
    };
    this.schedules.set(jobId, job);
    this.schedule(job, this.watchers.has(jobId) ? 0 : delayMs);
  }

  /**
   * Registers a progress watcher of `jobId` until the returned function is called. The first watcher restarts
   * the schedule at the progress cadence (poll now, then from `initialIntervalMs`); later ones share it.
   */
  watch(jobId: string): () => void {
    const count = (this.watchers.get(jobId) ?? 0) + 1;
    this.watchers.set(jobId, count);
    const job = this.schedules.get(jobId);
    if (count === 1 && job && !job.polling) {
      job.interval = this.options.polling.initialIntervalMs;
      this.schedule(job, 0);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.watchers.get(jobId) ?? 1) - 1;
      if (left > 0) this.watchers.set(jobId, left);
      else this.watchers.delete(jobId);
    };
  }

  /** True while this instance follows `jobId`. */
  isFollowing(jobId: string): boolean {
    return this.schedules.has(jobId);
  }

  /** True when this instance gave up on `jobId` for good (timed out, unknown to WeCom). */
  isAbandoned(jobId: string): boolean {
    return this.abandoned.has(jobId);
  }

  /** How many jobs are marked abandoned here (bounded by MAX_ABANDONED_MARKS). */
  get abandonedCount(): number {
    return this.abandoned.size;
  }

  /** Forgets the abandoned marks of jobs that are no longer pending (completed elsewhere, expired). */
  pruneAbandoned(pendingJobIds: ReadonlySet<string>): void {
    for (const jobId of this.abandoned) if (!pendingJobIds.has(jobId)) this.abandoned.delete(jobId);
  }

  /** Another instance announced `jobId` completed: settle it here if it is followed here. */
  async completedElsewhere(jobId: string): Promise<void> {
    // Only jobs followed here matter (waitForJob always follows its job); this also skips the notice of a job
    // this instance completed itself, whose record may be large.
    if (this.closed || !this.schedules.has(jobId)) return;
    try {
      const record = await this.records.get(jobId);
      if (record?.status === 'completed') this.finish(this.records.toEvent(record));
    } catch (error) {
      this.logger.verbose(`cannot read job ${jobId} after its completion notice: ${describeError(error)}`);
    }
  }

  /** Stops every schedule (aborting getresult calls in flight) and ends the streams. Jobs stay pending in the store. */
  close(): void {
    this.closed = true;
    for (const jobId of [...this.schedules.keys()]) this.settle(jobId);
    this.completed$.complete();
    this.failed$.complete();
    this.answers$.complete();
  }

  private schedule(job: Schedule, delayMs: number): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => void this.poll(job), delayMs);
  }

  private async poll(job: Schedule): Promise<void> {
    if (this.closed || this.schedules.get(job.jobId) !== job || job.polling) return;
    job.polling = true;
    try {
      await this.pollOnce(job);
    } catch (error) {
      await this.onPollError(job, error);
    } finally {
      job.polling = false;
    }
    // Still ours and not settled (e.g. another instance holds the completion lease): look again later.
    if (this.schedules.get(job.jobId) === job) {
      job.interval = Math.min(job.interval * 2, this.options.polling.maxIntervalMs);
      this.schedule(job, job.interval);
    }
  }

  private async pollOnce(job: Schedule): Promise<void> {
    const { timeoutMs } = this.options.polling;
    if (Date.now() - job.startedAt > timeoutMs) {
      // Needs a person: WeCom has not finished the job within polling.timeoutMs (its record stays pending).
      this.logger.warn(
        `job ${job.jobId} is still pending after ${Math.round(timeoutMs / 60_000)} min (polling.timeoutMs): ` +
          'stopped tracking it here; it stays pending and is followed again after a restart. Check it with ' +
          '`batch.getResult(jobId)`; a job stuck at status 1 usually means WeCom is busy with another import' +
          logFields({ jobId: job.jobId, reason: 'pending_past_timeout', timeoutMs }),
      );
      this.abandoned.add(job.jobId);
      this.settle(job.jobId);
      return;
    }
    const record = await this.records.get(job.jobId);
    if (record?.status === 'completed') {
      this.finish(this.records.toEvent(record));
    } else if (record && isExportJobType(record.jobType)) {
      // Exports: export/get_result status 2 done / 3 failed, no rows; their callback settles them without a call.
      const poll = await pollExportJob(this.fetcher, job.jobId, record.jobType, !!record.callback, signalOf(job));
      if (poll.answer) this.answers$.next({ jobId: job.jobId, result: poll.answer });
      if (poll.outcome !== 'pending') {
        this.finishIfCompleted(await this.completer.complete(job.jobId, undefined, poll.outcome === 'failed'));
      }
    } else if (record?.callback && (!this.options.fetchResults || this.fetcher.streamResult !== undefined)) {
      // The callback said the job finished: complete at once. The completer reads the rows in the one getresult
      // call it makes (a status poll first would cost WeCom a second call for the same answer).
      this.finishIfCompleted(await this.completer.complete(job.jobId, undefined));
    } else {
      // A streaming fetcher reads the status only (a finished answer's rows are then streamed by the completer,
      // into the store): a poll never parses hundreds of thousands of rows in one go.
      const streamed = this.fetcher.streamResult !== undefined;
      const result = streamed
        ? { ...(await this.fetcher.streamResult!(job.jobId, { signal: signalOf(job) })), result: [] }
        : await this.fetcher.getResult(job.jobId, signalOf(job));
      this.answers$.next({ jobId: job.jobId, result });
      if (result.status === 3) {
        this.finishIfCompleted(await this.completer.complete(job.jobId, streamed ? undefined : result));
      }
    }
  }

  private async onPollError(job: Schedule, error: unknown): Promise<void> {
    // Settled meanwhile (completed elsewhere, shutdown aborted the call): nothing left to decide.
    if (this.schedules.get(job.jobId) !== job) return;
    const errcode = errcodeOf(error);
    if (errcode === RESULTS_CLEANED_ERRCODE) {
      // The job finished long ago and WeCom dropped its rows: complete without them rather than never.
      await this.completer.complete(job.jobId, undefined).then(
        (event) => this.finishIfCompleted(event),
        (e: unknown) => this.logger.warn(`completing job ${job.jobId} failed, will retry: ${describeError(e)}`),
      );
    } else if (errcode === UNKNOWN_JOB_ERRCODE || isPermanent(error)) {
      this.logger.error(`cannot track job ${job.jobId}: ${describeError(error)}`);
      this.failed$.next({ jobId: job.jobId, error });
      this.abandoned.add(job.jobId);
      this.settle(job.jobId);
    } else {
      this.logger.verbose(`polling job ${job.jobId} failed, will retry: ${describeError(error)}`);
    }
  }

  private finishIfCompleted(event: BatchJobCompletedEvent | undefined): void {
    // `undefined`: another instance completes it, and its notice (or the next poll's record read) settles it here.
    if (event) this.finish(event);
  }

  private finish(event: BatchJobCompletedEvent): void {
    this.settle(event.jobId);
    this.completed$.next(event);
  }

  private settle(jobId: string): void {
    const job = this.schedules.get(jobId);
    if (!job) return;
    clearTimeout(job.timer);
    job.abort?.abort();
    this.schedules.delete(jobId);
    for (const hook of job.onSettled) {
      try {
        hook();
      } catch (error) {
        this.logger.error(`settling job ${jobId} failed: ${describeError(error)}`);
      }
    }
  }
}

/** The signal that stops `job`'s getresult calls when it settles. */
function signalOf(job: Schedule): AbortSignal {
  return (job.abort ??= new AbortController()).signal;
}

/** A WeCom error that polling again will not fix (bad secret, untrusted IP…). Transport errors are not. */
function isPermanent(error: unknown): boolean {
  const e = error as { retryable?: unknown; errcode?: unknown } | undefined;
  return e?.retryable === false && typeof e.errcode === 'number' && e.errcode > 0;
}
