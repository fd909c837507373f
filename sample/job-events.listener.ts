import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { WECOM_BATCH_EVENTS, type BatchJobCompletedEvent, type BatchResultRow } from 'nestjs-wecom-batch';

/**
 * Reacts to the module's job events. `completed` comes exactly once per job (from the callback, or from polling
 * when no callback arrives); `failed` follows it when the job itself failed or some rows did. A real app would
 * update its own records, alert, or retry the failed rows here.
 *
 * `@nestjs/event-emitter` logs and swallows what a listener throws (unless `@OnEvent(…, { suppressErrors: false })`),
 * so a bug here never disturbs the module: the job is completed and persisted either way.
 */
@Injectable()
export class JobEventsListener {
  private readonly logger = new Logger('WeComJobs');

  @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
  onCompleted(event: BatchJobCompletedEvent): void {
    const rows = event.result?.length;
    const counts =
      rows === undefined ? 'no row results' : `${rows} rows, ${rows - event.failedRows} ok, ${event.failedRows} failed`;
    this.logger.log(`${event.jobType} job ${event.jobId} completed via ${event.source}: ${counts}`);
  }

  @OnEvent(WECOM_BATCH_EVENTS.JOB_FAILED)
  onFailed(event: BatchJobCompletedEvent): void {
    if (event.errCode !== 0) {
      this.logger.error(`${event.jobType} job ${event.jobId} failed: ErrCode ${event.errCode} (${event.errMsg})`);
      return;
    }
    const failed = (event.result ?? []).filter((row) => row.errcode !== 0);
    const shown = failed.slice(0, 3).map(describeRow).join('; ');
    const more = failed.length > 3 ? ` and ${failed.length - 3} more` : '';
    this.logger.warn(
      `${event.jobType} job ${event.jobId}: ${event.failedRows} of ${event.result?.length ?? '?'} rows failed — ${shown}${more}`,
    );
  }
}

function describeRow(row: BatchResultRow): string {
  const id = 'userid' in row ? row.userid : `department ${row.partyid}`;
  return `${id}: ${row.errcode} ${row.errmsg}`;
}
