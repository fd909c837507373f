import { ATTR, SPAN_NAMES } from './telemetry.constants.js';
import { WECOM_TELEMETRY, type EndableSpan } from './wecom-telemetry.service.js';

/** Which file of which export a read is of (ids, sizes and counts only — never a row). */
export interface ExportFileTrace {
  jobId: string;
  jobType: string;
  /** Position in `data_list`. */
  fileIndex: number;
  /** Ciphertext bytes (verified by the download). */
  bytes: number;
}

/**
 * The rows of one export file inside a `wecom.export.decrypt` span: a span of its own, not the download's, because
 * the download ends with the verified ciphertext in memory before the first row is decrypted, and its failures
 * (size, MD5, an expired URL) are not a decryption's (padding, JSON) — two spans let `error.type` say which step
 * failed. The reader is lazy (it decrypts only as fast as the app takes rows), so the span runs from the first row
 * to the last and also covers the app's time per row; `wecom.export.decrypt.busy_ms` is the module's own share.
 * Without a recording span the rows pass through untouched (no per-row cost).
 */
export function tracedExportRows<T>(file: ExportFileTrace, rows: AsyncGenerator<T>): AsyncGenerator<T> {
  const span = WECOM_TELEMETRY.startSpan(SPAN_NAMES.exportDecrypt, {
    [ATTR.jobId]: file.jobId,
    [ATTR.jobType]: file.jobType,
    [ATTR.exportFileIndex]: file.fileIndex,
    [ATTR.bytes]: file.bytes,
  });
  return span ? measured(rows, span) : rows;
}

async function* measured<T>(rows: AsyncGenerator<T>, span: EndableSpan): AsyncGenerator<T> {
  let count = 0;
  let busyMs = 0;
  let done = false;
  try {
    for (;;) {
      const started = performance.now();
      const next = await rows.next();
      busyMs += performance.now() - started;
      if (next.done) break;
      count++;
      yield next.value;
    }
    done = true;
  } catch (error) {
    done = true;
    span.fail(error);
    throw error;
  } finally {
    // The app stopped early (`break`, or an error in its loop body): let the file's reader clean up too.
    if (!done) await rows.return(undefined);
    span.set({ [ATTR.exportFileRows]: count, [ATTR.exportBusyMs]: Math.round(busyMs * 10) / 10 });
    span.end();
  }
}
