import type { WeComSyncRunError, WeComSyncRunPart } from '../errors/wecom-sync-run.error.js';
import type { BatchResultRow } from '../model/batch-job.types.js';
import type { BatchJobCompletedEvent } from './batch-job-completed.event.js';

/**
 * Payload of `wecom.batch.run.completed`: a split `syncUsers` run (several `sync_user` jobs, one after another)
 * ended. `parts` lists every part with its input rows and media_id; `completed` the completed-event payloads of
 * the parts that ran, in order. On failure `error` says which rows were applied and how to resume.
 */
export class BatchRunCompletedEvent {
  corpId!: string;
  /** The first part's job id: the `jobId` of the `BatchJob` that `syncUsers` returned. */
  runId!: string;
  jobType!: 'sync_user';
  /** Every part of the run (job ids of the parts submitted). */
  parts!: readonly WeComSyncRunPart[];
  /** Completed-event payloads of the parts that completed, in order (their `rows()` read each part's rows). */
  completed!: readonly BatchJobCompletedEvent[];
  /** Result rows over the completed parts. */
  totalRows!: number;
  /** Failed rows (`errcode ≠ 0`) over the completed parts. */
  failedRows!: number;
  completedAt!: Date;
  /** Set when a part failed and the run stopped. */
  error?: WeComSyncRunError | undefined;

  constructor(init: Omit<BatchRunCompletedEvent, 'rows' | 'failures'>) {
    Object.assign(this, init);
  }

  /** Every result row of the completed parts, part after part, read as each part's `rows()` reads them. */
  async *rows(): AsyncGenerator<BatchResultRow, void, undefined> {
    for (const part of this.completed) yield* part.rows();
  }

  /** Every failed row of the completed parts. */
  async *failures(): AsyncGenerator<BatchResultRow, void, undefined> {
    for (const part of this.completed) yield* part.failures();
  }
}
