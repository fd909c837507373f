import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { RESULTS_CLEANED_ERRCODE, UNKNOWN_JOB_ERRCODE } from '../../client/wecom-errcodes.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { WECOM_BATCH_EVENTS } from '../../events/wecom-batch.events.js';
import { yieldToEventLoop } from '../../internal/backoff.util.js';
import { emitSafely } from '../../internal/emit.util.js';
import { tryLease } from '../../internal/lease.util.js';
import { describeError, errcodeOf } from '../../internal/safe-error.util.js';
import { isExportJobType, type BatchJobResult, type TrackedJobType } from '../../model/batch-job.types.js';
import { STORE_KEYS } from '../../stores/store-keys.js';
import type { JobCompletionInfo, WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_RESULT_FETCHER,
  WECOM_BATCH_STORE,
} from '../../wecom-batch.internal-constants.js';
import { reportJobCompletion } from '../../telemetry/job-completion.report.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { CompletionNotices } from './completion-notices.service.js';
import { JobRecords } from './job-records.service.js';
import { ResultRowsWriter } from './result-rows.writer.js';
import type { JobResultFetcher } from './tracking.types.js';

/** Lease of the "I am completing this job" lock: long enough for a slow getresult with retries (and renewed). */
const COMPLETE_LEASE_MS = 120_000;

/**
 * Completes a job exactly once cluster-wide: whoever takes the job's completion lease re-checks the record,
 * fetches the result rows (unless disabled), persists them, emits `wecom.batch.job.completed` (then
 * `wecom.batch.job.failed` when the job or a row failed) and tells the other instances.
 */
@Injectable()
export class JobCompleter {
  private readonly logger = new Logger(JobCompleter.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
    @Inject(WECOM_BATCH_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(WECOM_BATCH_RESULT_FETCHER) private readonly fetcher: JobResultFetcher,
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(CompletionNotices) private readonly notices: CompletionNotices,
  ) {}

  /**
   * Completes `jobId`; `finished` is a getresult answer already in hand (status 3 saves a second call);
   * `exportFailed` marks an export that polling found failed (export/get_result status 3). The
   * completed-event payload, or `undefined` when another instance holds the lease or completed it meanwhile —
   * its notice settles the job here.
   */
  async complete(
    jobId: string,
    finished: BatchJobResult | undefined,
    exportFailed = false,
  ): Promise<BatchJobCompletedEvent | undefined> {
    const lease = await tryLease(this.store, STORE_KEYS.completionLock(this.options.corpId, jobId), {
      // Renewed while we work: a slow getresult (retries, backoff) must not let another instance in meanwhile.
      ttlMs: COMPLETE_LEASE_MS,
      onLost: (error) => {
        const why = error === undefined ? 'it expired and was taken' : describeError(error);
        this.logger.warn(`the completion lease of job ${jobId} could not be renewed: ${why}`);
      },
    });
    if (lease === null) return undefined;
    try {
      const record = await this.records.get(jobId);
      if (record?.status === 'completed') return this.records.toEvent(record);
      const writer = new ResultRowsWriter(
        this.store,
        this.options.corpId,
        jobId,
        this.options.jobRecordTtlSeconds * 1000,
      );
      // Exports have no result rows (their data is read with ExportJob.rows()).
      const rowsWanted = this.options.fetchResults && !isExportJobType(record?.jobType);
      const type = rowsWanted ? await this.finalRows(jobId, finished, writer) : undefined;
      const rows = type === undefined ? undefined : await writer.finish();
      await yieldToEventLoop();
      const callback = record?.callback;
      const completion: JobCompletionInfo = {
        // A failed export learnt by polling (status 3) comes without a code: -1, and the message says so.
        errCode: callback?.errCode ?? (exportFailed ? -1 : 0),
        errMsg: callback?.errMsg ?? (exportFailed ? 'export/get_result status 3 (the export failed)' : 'ok'),
        source: callback ? 'callback' : 'poll',
        completedAt: Date.now(),
        ...(rows ?? { failedRows: 0 }),
      };
      const jobType = (type || record?.jobType || 'sync_user') as TrackedJobType;
      const saved = await this.records.recordCompletion(jobId, completion, jobType);
      if (!saved) return undefined;
      await yieldToEventLoop();
      const event = this.records.toEvent(saved);
      // The job's one log line (+ the warning when its callback never came), metrics and life span.
      reportJobCompletion(this.logger, event, {
        submittedAt: saved.submittedAt,
        callbackConfigured: this.options.callback !== undefined,
        callbackGraceMs: this.options.polling.callbackGraceMs,
      });
      this.emit(event);
      await this.notices.publish(jobId);
      return event;
    } finally {
      await lease.release();
    }
  }

  /**
   * Hands the rows of a finished job to `writer` — from `finished` if it is the final answer in hand, else from
   * `batch/getresult` read as a stream — and resolves the job type WeCom reported, or `undefined` when WeCom no
   * longer has the rows (40089/40088).
   */
  private async finalRows(
    jobId: string,
    finished: BatchJobResult | undefined,
    writer: ResultRowsWriter,
  ): Promise<string | undefined> {
    if (finished?.status === 3) {
      await writer.addAll(finished.result);
      return finished.type;
    }
    try {
      const head = this.fetcher.streamResult
        ? await this.fetcher.streamResult(jobId, {
            onRows: (rows) => writer.add(rows),
            onRestart: () => writer.reset(),
          })
        : await this.fetcher.getResult(jobId).then(async (result) => {
            if (result.status === 3) await writer.addAll(result.result);
            return result;
          });
      if (head.status === 3) return head.type;
      throw new Error(`job ${jobId} reported done by its callback but getresult says status ${head.status}`);
    } catch (error) {
      const errcode = errcodeOf(error);
      if (errcode === RESULTS_CLEANED_ERRCODE || errcode === UNKNOWN_JOB_ERRCODE) {
        this.logger.warn(`job ${jobId} completed but WeCom no longer has its rows (${errcode})`);
        return undefined;
      }
      throw error;
    }
  }

  /** A listener that throws is logged, never rethrown: the job is completed and persisted all the same. */
  private emit(event: BatchJobCompletedEvent): void {
    emitSafely(this.emitter, this.logger, WECOM_BATCH_EVENTS.JOB_COMPLETED, event);
    if (event.errCode !== 0 || event.failedRows > 0) {
      emitSafely(this.emitter, this.logger, WECOM_BATCH_EVENTS.JOB_FAILED, event);
    }
  }
}
