import { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { attachResultRows } from '../../events/result-rows.util.js';
import { freezeDeep } from '../../internal/freeze-deep.util.js';
import type { JobCompletionInfo, JobRecord, WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { readResultChunks } from './result-rows.writer.js';

/**
 * The completed-event payload of a completed job record, frozen: every listener gets the same object, so one
 * listener changing it (sorting the rows in place…) would change it for the others — and for the stored record.
 * Rows kept in chunks are not loaded here: the payload's `rows()` reads them from `store` when asked, so the
 * same payload serves every listener and `waitForJob` without a copy per listener.
 */
export function eventFromRecord(
  record: JobRecord,
  store: WeComBatchStore,
  registration?: string,
): BatchJobCompletedEvent {
  const completion = record.completion as JobCompletionInfo;
  const chunked = completion.resultChunks !== undefined;
  const event = new BatchJobCompletedEvent({
    corpId: record.corpId,
    ...(registration === undefined ? {} : { registration }),
    jobId: record.jobId,
    jobType: record.jobType,
    errCode: completion.errCode,
    errMsg: completion.errMsg,
    source: completion.source,
    completedAt: new Date(completion.completedAt),
    result: completion.result,
    failedRows: completion.failedRows,
    totalRows: completion.totalRows ?? completion.result?.length,
    failed: chunked ? completion.failedResult : completion.result?.filter((row) => row.errcode !== 0),
  });
  if (chunked) {
    const chunks = completion.resultChunks as number;
    attachResultRows(event, () => readResultChunks(store, record.corpId, record.jobId, chunks));
  }
  return freezeDeep(event);
}
