import { Inject, Injectable, Logger } from '@nestjs/common';
import { WeComLockTimeoutError } from '../../errors/wecom-lock-timeout.error.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { withLease, type LeaseWaitOptions } from '../../internal/lease.util.js';
import { describeError } from '../../internal/safe-error.util.js';
import type { TrackedJobType } from '../../model/batch-job.types.js';
import { STORE_KEYS } from '../../stores/store-keys.js';
import type { JobCompletionInfo, JobRecord, WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import type { BatchJobResultCallback, CallbackRecordOutcome } from './batch-job-callback.types.js';
import { eventFromRecord } from './job-event.mapper.js';

/**
 * The short lock around one record's read-modify-write: held for two store round trips, so no renewal; waited for
 * a few seconds at most (the callback endpoint then answers 503 and WeCom delivers again).
 */
const RECORD_LOCK: LeaseWaitOptions & { waitMs: number } = {
  ttlMs: 5_000,
  waitMs: 3_000,
  renewEveryMs: 0,
  // Short and jittered: contenders from several instances must not retry in lockstep, nor wait long after release.
  retry: { baseMs: 20, maxMs: 100 },
};

/**
 * What the store knows about each job, and the only writer of job records. Several instances (callback
 * deliveries, pollers, completers) may touch one record at once, so every change is a read-modify-write under
 * the record's lock, and what an earlier writer recorded (a callback, a completion) is never lost.
 */
@Injectable()
export class JobRecords {
  private readonly logger = new Logger(JobRecords.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
  ) {}

  private get ttlMs(): number {
    return this.options.jobRecordTtlSeconds * 1000;
  }

  /** The record of a job of the configured corp, or `null`. */
  get(jobId: string): Promise<JobRecord | null> {
    return this.store.getJob(this.options.corpId, jobId);
  }

  /** The completed-event payload of a completed record (its chunked rows read from this store on demand). */
  toEvent(record: JobRecord): BatchJobCompletedEvent {
    return eventFromRecord(record, this.store, this.options.registration);
  }

  /** The records of the configured corp's jobs that are not completed yet. */
  listPending(): Promise<JobRecord[]> {
    return this.store.listPendingJobs(this.options.corpId);
  }

  /**
   * Records a verified callback durably: `follow` when the job must be followed now (its completion is due),
   * `completed` when it is completed already, `unknown` when there is no record of the job and `createIfUnknown`
   * is false (then nothing is written: a callback for a job this module never submitted costs one read).
   * Deduplicated by (corpId, JobId): WeCom's retries and concurrent copies of a delivery stop at the record or the
   * mark. Rejects when the store does (the callback must then be answered non-200).
   */
  async recordCallback(callback: BatchJobResultCallback, createIfUnknown = false): Promise<CallbackRecordOutcome> {
    const { corpId, jobId } = callback;
    if (!createIfUnknown) {
      // One read decides the common cases: a retry of a completed job (the duplicate flood path) ends here.
      const existing = await this.store.getJob(corpId, jobId);
      if (existing === null) return 'unknown';
      if (existing.status === 'completed') return 'completed';
      // Recorded by an earlier delivery: follow it here too (that delivery may have failed after its writes).
      if (existing.callback) return 'follow';
    }
    return (await this.recordNewCallback(callback)) ? 'follow' : 'completed';
  }

  /** The dedup mark, then the callback written into the record under its lock. False when already completed. */
  private async recordNewCallback(callback: BatchJobResultCallback): Promise<boolean> {
    const { corpId, jobId } = callback;
    // Dedup mark first (SET NX): cheap for retries.
    if (!(await this.store.setOnce(STORE_KEYS.callbackMark(corpId, jobId), this.ttlMs))) {
      const record = await this.store.getJob(corpId, jobId);
      if (record?.status === 'completed') return false;
      // Recorded by an earlier delivery. Follow it here too: that delivery may have failed (non-200) after its
      // writes went through, and then nobody else would.
      if (record?.callback) return true;
      // Marked but not recorded: an earlier attempt died between the two writes. Record it now.
    }
    const completed = await this.locked(corpId, jobId, async () => {
      const record = await this.store.getJob(corpId, jobId);
      if (record?.status === 'completed') return true;
      if (record?.callback) return false;
      const next: JobRecord = {
        // A job this app did not submit (or whose record expired): tracked all the same, so its result is kept.
        ...(record ?? {
          corpId,
          jobId,
          jobType: callback.jobType,
          submittedAt: callback.createTime * 1000,
          status: 'pending',
        }),
        callback: {
          jobType: callback.jobType,
          errCode: callback.errCode,
          errMsg: callback.errMsg,
          receivedAt: Date.now(),
        },
      };
      await this.store.saveJob(next, this.ttlMs);
      return false;
    });
    return !completed;
  }

  /**
   * Persists the record of a job this instance just submitted. A callback (or even the completion) may already
   * have been recorded by a fast WeCom: what it wrote is kept. A store failure is logged, not thrown — the job
   * exists in WeCom either way, and it is still followed in memory.
   */
  async recordSubmission(record: JobRecord): Promise<void> {
    const { corpId, jobId } = record;
    try {
      await this.locked(corpId, jobId, async () => {
        const current = await this.store.getJob(corpId, jobId);
        const next: JobRecord = current
          ? { ...record, status: current.status, callback: current.callback, completion: current.completion }
          : record;
        await this.store.saveJob(next, this.ttlMs);
      });
    } catch (error) {
      this.logger.error(`job ${jobId} was submitted but its record could not be saved: ${describeError(error)}`);
    }
  }

  /**
   * Marks a job of the configured corp completed with `completion`. The saved record, or `undefined` when it was
   * completed meanwhile (then its completer emits, not the caller). `jobType` names the job when no record exists.
   */
  async recordCompletion(
    jobId: string,
    completion: JobCompletionInfo,
    jobType: TrackedJobType,
  ): Promise<JobRecord | undefined> {
    const corpId = this.options.corpId;
    return this.locked(corpId, jobId, async () => {
      const current = await this.store.getJob(corpId, jobId);
      if (current?.status === 'completed') return undefined;
      const next: JobRecord = {
        ...(current ?? { corpId, jobId, jobType, submittedAt: completion.completedAt }),
        status: 'completed',
        completion,
      };
      await this.store.saveJob(next, this.ttlMs);
      return next;
    });
  }

  /** Runs `fn` holding the record's lock; `WeComLockTimeoutError` when it cannot be had in time. */
  private async locked<T>(corpId: string, jobId: string, fn: () => Promise<T>): Promise<T> {
    const name = STORE_KEYS.jobRecordLock(corpId, jobId);
    const outcome = await withLease(this.store, name, RECORD_LOCK, () => fn());
    if (!outcome.ran) throw new WeComLockTimeoutError(name, RECORD_LOCK.waitMs);
    return outcome.value;
  }
}
