import { ATTR, SPAN_NAMES } from './telemetry.constants.js';
import { WECOM_TELEMETRY } from './wecom-telemetry.service.js';

/**
 * The spans of a submission's steps, as wrappers the batch layer puts around each step: CSV build (validation
 * included), upload, and submission (waiting for the import slot and 302008 included). Attributes: CorpID, job
 * type, row count, file size, job id — never a row's content.
 */

/** `wecom.batch.csv_build` around `build`, with the number of rows and bytes it produced. */
export function tracedCsvBuild<T extends { rows?: number; csv?: Buffer }>(
  corpId: string,
  jobType: string,
  build: () => Promise<T>,
): Promise<T> {
  return WECOM_TELEMETRY.span(SPAN_NAMES.csvBuild, { [ATTR.corpId]: corpId, [ATTR.jobType]: jobType }, async (span) => {
    const built = await build();
    span.set({ [ATTR.rows]: built.rows, [ATTR.bytes]: built.csv?.length });
    return built;
  });
}

/** `wecom.batch.upload` around `upload` (its `media/upload` attempts are client spans inside). */
export function tracedUpload(
  corpId: string,
  jobType: string,
  bytes: number,
  upload: () => Promise<string>,
): Promise<string> {
  return WECOM_TELEMETRY.span(
    SPAN_NAMES.upload,
    { [ATTR.corpId]: corpId, [ATTR.jobType]: jobType, [ATTR.bytes]: bytes },
    () => upload(),
  );
}

/**
 * `wecom.batch.submit` around `submit`, with the job id WeCom returned; remembers the span for the job-life span's
 * link and counts the job in `wecom.batch.jobs.submitted`.
 */
export function tracedSubmit<T extends { jobId: string }>(
  corpId: string,
  jobType: string,
  submit: () => Promise<T>,
): Promise<T> {
  return WECOM_TELEMETRY.span(SPAN_NAMES.submit, { [ATTR.corpId]: corpId, [ATTR.jobType]: jobType }, async (span) => {
    const submitted = await submit();
    span.set({ [ATTR.jobId]: submitted.jobId });
    WECOM_TELEMETRY.rememberSubmission(submitted.jobId, span);
    WECOM_TELEMETRY.jobSubmitted(corpId, jobType);
    return submitted;
  });
}
