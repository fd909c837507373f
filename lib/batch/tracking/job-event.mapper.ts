import { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { freezeDeep } from '../../internal/freeze-deep.util.js';
import type { JobCompletionInfo, JobRecord } from '../../stores/wecom-batch-store.interface.js';

/**
 * The completed-event payload of a completed job record, frozen: every listener gets the same object, so one
 * listener changing it (sorting the rows in place…) would change it for the others — and for the stored record.
 */
export function eventFromRecord(record: JobRecord): BatchJobCompletedEvent {
  const completion = record.completion as JobCompletionInfo;
  const event = new BatchJobCompletedEvent({
    corpId: record.corpId,
    jobId: record.jobId,
    jobType: record.jobType,
    errCode: completion.errCode,
    errMsg: completion.errMsg,
    source: completion.source,
    completedAt: new Date(completion.completedAt),
    result: completion.result,
    failedRows: completion.failedRows,
  });
  return freezeDeep(event);
}
