import { WeComBatchError } from './wecom-batch.error.js';

/**
 * A job submission was fully sent but its answer was lost (timeout, connection reset): WeCom may have started
 * the job. It was deliberately NOT re-sent, because a second import of the same file could run twice (and a
 * replace would be applied twice). What to do:
 * - with a callback configured, a job WeCom did start still reports its result: the module records callbacks of
 *   jobs it did not see submitted and emits their `completed` event, with the JobId;
 * - the next submission meets WeCom's 302008 while that job runs and waits for it (queue mode);
 * - to retry by hand, reuse `mediaId` (valid 3 days) once you know the first attempt did not run.
 */
export class WeComSubmissionUncertainError extends WeComBatchError {
  constructor(
    readonly corpId: string,
    /** The job type whose submission is uncertain. */
    readonly jobType: string,
    /** The uploaded file (reusable for 3 days). */
    readonly mediaId: string,
    options: { cause: unknown },
  ) {
    super(
      `the ${jobType} submission of corp ${corpId} (media_id ${mediaId}) may have reached WeCom but its answer was lost; ` +
        'it was not re-sent to avoid a duplicate import — watch for its callback, or resubmit the same media_id once you know it did not run',
      options,
    );
  }
}
