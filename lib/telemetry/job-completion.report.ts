import { logFields } from './log-fields.util.js';
import { WECOM_TELEMETRY } from './wecom-telemetry.service.js';

/** The parts of a completed-event payload the report reads (no row content beyond each row's errcode). */
export interface CompletedJobFacts {
  corpId: string;
  jobId: string;
  jobType: string;
  errCode: number;
  source: string;
  completedAt: Date;
  failedRows: number;
  result?: ReadonlyArray<{ errcode: number }> | undefined;
}

/** The logger methods used (Nest's `Logger`). */
export interface ReportLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** What the report needs besides the event. */
export interface JobCompletionContext {
  /** When the job was submitted (epoch ms), for its duration. */
  submittedAt: number;
  /** Whether the module submits jobs with a `callback`: then a completion by polling means it never came. */
  callbackConfigured: boolean;
  /** `polling.callbackGraceMs`, quoted in the warning. */
  callbackGraceMs: number;
}

/** The most frequent row errcodes, at most this many, in the summary. */
const SUMMARY_ERRCODES = 3;

/**
 * Reports a completed job once, on the instance that completed it: one `log` line (a `warn` when the job itself
 * failed) with the counts and the refused rows by errcode; a `warn` when a callback was expected but the job
 * completed by polling — with the likely causes; and the job's metrics and life span. Never a row's content:
 * errcodes and counts only.
 */
export function reportJobCompletion(logger: ReportLogger, job: CompletedJobFacts, ctx: JobCompletionContext): void {
  const byErrcode = new Map<number, number>();
  for (const row of job.result ?? []) {
    if (row.errcode !== 0) byErrcode.set(row.errcode, (byErrcode.get(row.errcode) ?? 0) + 1);
  }
  const completedAt = job.completedAt.getTime();
  const durationMs = Math.max(0, completedAt - ctx.submittedAt);
  const summary = [...byErrcode]
    .sort((a, b) => b[1] - a[1])
    .slice(0, SUMMARY_ERRCODES)
    .map(([errcode, count]) => `${errcode}×${count}`)
    .join(', ');
  const rows = job.result?.length;
  const counts =
    rows === undefined
      ? `${job.failedRows} rows failed`
      : `${rows} rows, ${job.failedRows} failed${summary ? ` (${summary})` : ''}`;
  const fields = logFields({
    jobId: job.jobId,
    jobType: job.jobType,
    source: job.source,
    errCode: job.errCode,
    rows,
    failedRows: job.failedRows,
    durationMs,
  });
  if (job.errCode !== 0) {
    logger.warn(`job ${job.jobId} (${job.jobType}) failed in WeCom with errcode ${job.errCode}: ${counts}${fields}`);
  } else {
    logger.log(
      `job ${job.jobId} (${job.jobType}) completed by ${job.source} in ${seconds(durationMs)}: ${counts}${fields}`,
    );
  }
  if (ctx.callbackConfigured && job.source === 'poll') {
    logger.warn(
      `job ${job.jobId} completed by polling: its callback never came within ${seconds(ctx.callbackGraceMs)}. ` +
        'Likely causes: the callback route (callbackPath, after the app’s global prefix) is not the path of ' +
        'callback.url; a proxy or load balancer does not forward callback.url to this app; a firewall or IP ' +
        'allow-list in front of the app refuses WeCom’s servers. Check that GET callback.url answers the URL ' +
        'verification (and see wecom.batch.callback.rejected events)' +
        logFields({ jobId: job.jobId, reason: 'callback_missing' }),
    );
  }
  WECOM_TELEMETRY.jobCompleted({
    corpId: job.corpId,
    jobId: job.jobId,
    jobType: job.jobType,
    submittedAt: ctx.submittedAt,
    completedAt,
    source: job.source,
    errCode: job.errCode,
    failedRows: job.failedRows,
    failedByErrcode: byErrcode,
  });
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
