import { WeComBatchError } from './wecom-batch.error.js';

/** One part of a split sync, as the run error reports it. */
export interface WeComSyncRunPart {
  /** 0-based position of the part in the run. */
  index: number;
  /** The part's uploaded file: resubmit it with `syncUsers({ mediaId })` within 3 days of the upload. */
  mediaId: string;
  /** Input rows of the part, 0-based and end-exclusive: rows `[firstRow, endRow)` of the rows you passed. */
  firstRow: number;
  endRow: number;
  /** WeCom's job id, once the part was submitted. */
  jobId?: string;
}

/**
 * A part of a split `syncUsers` run failed (its job reported `errCode ≠ 0`, its submission or tracking failed):
 * the run stopped there. `applied` lists the parts WeCom completed (their rows are in the directory — row-level
 * failures aside), `failed` the part that broke the run, `notApplied` the parts never submitted. To resume, fix
 * the cause and submit `failed` (if it did not run) and each of `notApplied` in order with
 * `batch.syncUsers({ mediaId })` within 3 days of the upload — or call `syncUsers` with the rows again: a sync
 * only creates and updates, so re-applying the applied parts is harmless.
 */
export class WeComSyncRunError extends WeComBatchError {
  constructor(
    readonly corpId: string,
    /** The parts WeCom completed. */
    readonly applied: readonly WeComSyncRunPart[],
    /** The part that failed. */
    readonly failed: WeComSyncRunPart,
    /** The parts not submitted. */
    readonly notApplied: readonly WeComSyncRunPart[],
    /** Why the part failed, in a sentence without secrets. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `part ${failed.index + 1} of ${applied.length + 1 + notApplied.length} of a split sync_user run of corp ` +
        `${corpId} failed (${reason}); ${describeRows('applied', applied)}; rows ${failed.firstRow}–` +
        `${failed.endRow - 1} (part ${failed.index + 1}, media_id ${failed.mediaId}${failed.jobId ? `, job ${failed.jobId}` : ''}) ` +
        `failed; ${describeRows('not submitted', notApplied)}. To resume, submit the failed part and the rest with ` +
        'syncUsers({ mediaId }) in order within 3 days of the upload (see error.failed / error.notApplied), or ' +
        'run syncUsers with the same rows again (a sync re-applies harmlessly)',
      options,
    );
  }
}

function describeRows(what: string, parts: readonly WeComSyncRunPart[]): string {
  if (parts.length === 0) return `no part ${what}`;
  return `rows ${parts[0].firstRow}–${parts[parts.length - 1].endRow - 1} ${what} (${parts.length} part${parts.length > 1 ? 's' : ''})`;
}
