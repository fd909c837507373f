import { Inject, Injectable } from '@nestjs/common';
import { EmptyError, Observable, filter, merge, type Subscription } from 'rxjs';
import { WeComJobTimeoutError } from '../../errors/wecom-job-timeout.error.js';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { JobPoller } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';
import type { BatchJobProgress } from './tracking.types.js';

/**
 * `waitForJob` and `watchJob`: both subscribe to the job's one poll schedule ({@link JobPoller}) and never poll
 * on their own.
 */
@Injectable()
export class JobWaiter {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(JobPoller) private readonly poller: JobPoller,
  ) {}

  /**
   * Resolves with the completed-event payload of `jobId` (from the callback, or from polling when no callback
   * comes), also when another instance completes it. Rejects with `WeComJobTimeoutError` after `timeoutMs`, or
   * with the error that made tracking impossible (unknown job 40088, a configuration error).
   */
  async waitForJob(jobId: string, timeoutMs: number = this.options.polling.timeoutMs): Promise<BatchJobCompletedEvent> {
    // Subscribe before reading the record, so a completion between the two is not missed.
    let subscription: Subscription | undefined;
    const outcome = new Promise<BatchJobCompletedEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new WeComJobTimeoutError(jobId, timeoutMs)), timeoutMs);
      subscription = merge(
        this.poller.completions.pipe(filter((event) => event.jobId === jobId)),
        this.poller.failures.pipe(filter((failure) => failure.jobId === jobId)),
      ).subscribe({
        next: (settled) => ('error' in settled ? reject(settled.error) : resolve(settled)),
        // The tracker shut down before the job settled.
        complete: () => reject(new EmptyError()),
      });
      subscription.add(() => clearTimeout(timer));
    });
    // An early return below leaves `outcome` unsettled or rejected later: never an unhandled rejection.
    outcome.catch(() => undefined);
    try {
      const record = await this.records.get(jobId);
      if (record?.status === 'completed') return this.records.toEvent(record);
      this.poller.track(jobId, record?.callback ? { delayMs: 0 } : {});
      return await outcome;
    } finally {
      subscription?.unsubscribe();
    }
  }

  /**
   * Progress of `jobId` from the getresult answers of its poll schedule (best effort), ending with a report that
   * carries the completed-event payload. Errors with what `waitForJob` rejects with.
   */
  watchJob(jobId: string, timeoutMs: number = this.options.polling.timeoutMs): Observable<BatchJobProgress> {
    return new Observable<BatchJobProgress>((subscriber) => {
      let last: BatchJobResult | undefined;
      const progress = this.poller.answers.pipe(filter((answer) => answer.jobId === jobId)).subscribe(({ result }) => {
        last = result;
        // The final answer is reported once, with the completed payload, when the completion is persisted.
        if (result.status === 3) return;
        subscriber.next({ jobId, status: result.status, percentage: result.percentage, total: result.total });
      });
      const unwatch = this.poller.watch(jobId);
      this.waitForJob(jobId, timeoutMs).then(
        (event) => {
          subscriber.next({
            jobId,
            status: 3,
            percentage: 100,
            total: last?.total ?? event.result?.length ?? 0,
            completed: event,
          });
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        progress.unsubscribe();
        unwatch();
      };
    });
  }
}
