/**
 * Names of the events the module emits through `EventEmitter2` (from `@nestjs/event-emitter`).
 *
 * ```ts
 * @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
 * onCompleted(event: BatchJobCompletedEvent) { … }
 * ```
 */
export const WECOM_BATCH_EVENTS = {
  /** A job was accepted by WeCom (payload: `BatchJobSubmittedEvent`). */
  JOB_SUBMITTED: 'wecom.batch.job.submitted',
  /** A job finished, exactly once per job cluster-wide (payload: `BatchJobCompletedEvent`). */
  JOB_COMPLETED: 'wecom.batch.job.completed',
  /** Emitted after `completed` when the job's ErrCode ≠ 0 or any row failed (payload: `BatchJobCompletedEvent`). */
  JOB_FAILED: 'wecom.batch.job.failed',
  /**
   * A `syncUsers` that was split into several jobs (its CSV was over `mediaLimitBytes`) finished: every part
   * completed, or one failed and the run stopped (`error` set). Once per run, on the instance that ran it; each
   * part also has its own `submitted` / `completed` events (payload: `BatchRunCompletedEvent`).
   */
  RUN_COMPLETED: 'wecom.batch.run.completed',
  /** A callback delivery was refused (forged, stale, malformed…). No secrets in the payload (`CallbackRejectedEvent`). */
  CALLBACK_REJECTED: 'wecom.batch.callback.rejected',
  /** A directory plan was computed (payload: `MirrorPlannedEvent`: counts only, never names or mobiles). */
  MIRROR_PLANNED: 'wecom.batch.mirror.planned',
  /** A directory plan was applied, and verified unless `verify: false` (payload: `MirrorAppliedEvent`: counts). */
  MIRROR_APPLIED: 'wecom.batch.mirror.applied',
} as const;

/** One of the values of {@link WECOM_BATCH_EVENTS}. */
export type WeComBatchEventName = (typeof WECOM_BATCH_EVENTS)[keyof typeof WECOM_BATCH_EVENTS];
