/** The instrumentation scope: tracer and meter are named after the package and its version. */
export const INSTRUMENTATION_NAME = 'nestjs-wecom-batch';
/** Kept equal to package.json's `version` by lib/telemetry/telemetry.constants.spec.ts. */
export const INSTRUMENTATION_VERSION = '0.1.0';

/** Span names. HTTP client spans are named `<METHOD> <endpoint>` (the HTTP conventions' `{method} {target}`). */
export const SPAN_NAMES = {
  tokenRefresh: 'wecom.token.refresh',
  csvBuild: 'wecom.batch.csv_build',
  upload: 'wecom.batch.upload',
  submit: 'wecom.batch.submit',
  job: 'wecom.batch.job',
  callback: 'wecom.callback.receive',
  exportDownload: 'wecom.export.download',
  exportDecrypt: 'wecom.export.decrypt',
} as const;

/** Metric instruments: names in the `wecom.` namespace, UCUM units. */
export const METRICS = {
  jobDuration: { name: 'wecom.batch.job.duration', unit: 's', description: 'Time from submission to completion' },
  jobsSubmitted: { name: 'wecom.batch.jobs.submitted', unit: '{job}', description: 'Import jobs WeCom accepted' },
  jobsCompleted: { name: 'wecom.batch.jobs.completed', unit: '{job}', description: 'Import jobs completed' },
  failedRows: { name: 'wecom.batch.failed_rows', unit: '{row}', description: 'Rows WeCom refused, by errcode' },
  callbackDeliveries: {
    name: 'wecom.callback.deliveries',
    unit: '{delivery}',
    description: 'Callback deliveries received, by outcome and refusal reason',
  },
  apiErrors: { name: 'wecom.api.errors', unit: '{error}', description: 'Failed WeCom HTTP calls' },
  tokenRefreshes: { name: 'wecom.token.refreshes', unit: '{refresh}', description: 'gettoken calls' },
  jobsPending: { name: 'wecom.batch.jobs.pending', unit: '{job}', description: 'Jobs submitted, not completed' },
  oldestPendingAge: {
    name: 'wecom.batch.jobs.pending.oldest_age',
    unit: 's',
    description: 'Age of the oldest pending job',
  },
} as const;

/** Job durations run from seconds to hours: buckets in seconds up to the 2 h polling timeout and beyond. */
export const JOB_DURATION_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];

/** Attribute keys of this package (besides the HTTP semantic conventions'). */
export const ATTR = {
  corpId: 'wecom.corp_id',
  endpoint: 'wecom.endpoint',
  errcode: 'wecom.errcode',
  jobId: 'wecom.job.id',
  jobType: 'wecom.job.type',
  jobOutcome: 'wecom.job.outcome',
  completionSource: 'wecom.job.completion_source',
  rows: 'wecom.job.rows',
  failedRows: 'wecom.job.failed_rows',
  bytes: 'wecom.file.bytes',
  callbackOutcome: 'wecom.callback.outcome',
  callbackReason: 'wecom.callback.reason',
  tokenOutcome: 'wecom.token.outcome',
  exportFileIndex: 'wecom.export.file.index',
  exportFileRows: 'wecom.export.file.rows',
  /** Milliseconds the module spent decrypting and parsing a file (its span also covers the app's time per row). */
  exportBusyMs: 'wecom.export.decrypt.busy_ms',
} as const;

/** How a callback request ended (`verified`: a GET URL verification), as a span attribute and metric label. */
export type CallbackOutcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'verified';

/** How a job ended: every row accepted, some rows refused, or the job itself failed (errCode ≠ 0). */
export type JobOutcome = 'succeeded' | 'failed_rows' | 'failed';
