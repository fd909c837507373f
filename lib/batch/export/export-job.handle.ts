import type { BatchExportJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { ExportJobType } from '../../model/batch-job.types.js';
import type { ExportRow } from './export-rows.types.js';

/** What a handle needs to follow and read its job. Closures only: the key they capture is never a property. */
export interface ExportJobSource<T> {
  wait(options?: { timeoutMs?: number }): Promise<BatchExportJobCompletedEvent>;
  read(): AsyncIterable<T>;
}

/**
 * An export job (`exportUsers`, `exportSimpleUsers`, `exportDepartments`, `exportTagUsers`, `readExport`).
 *
 * ```ts
 * const job = await batch.exportUsers();
 * for await (const member of job.rows()) console.log(member.userid, member.departments);
 * ```
 *
 * `rows()` waits for the job to finish, then reads its files one at a time (download, size + MD5, decryption,
 * streaming parse): memory stays at one file whatever the directory's size. Each call reads the files again.
 */
export class ExportJob<T extends ExportRow = ExportRow> implements AsyncIterable<T> {
  constructor(
    /** The corp the directory belongs to. */
    readonly corpId: string,
    /** WeCom's job id: pass it to `batch.readExport(jobId)` on another instance (same store) to read it there. */
    readonly jobId: string,
    /** `export_user`, `export_simple_user`, `export_department` or `export_taguser`. */
    readonly jobType: ExportJobType,
    readonly submittedAt: Date,
    private readonly source: ExportJobSource<T>,
  ) {}

  /**
   * Resolves with the completed-event payload once WeCom finished the export (by its callback or by polling
   * `export/get_result`).
   * @throws WeComExportFailedError when the export failed (status 3, or a callback with ErrCode ≠ 0)
   * @throws WeComJobTimeoutError after `timeoutMs` (default `polling.timeoutMs`)
   */
  wait(options?: { timeoutMs?: number }): Promise<BatchExportJobCompletedEvent> {
    return this.source.wait(options);
  }

  /**
   * The exported rows, file by file, once the job is done.
   * @throws what `wait()` throws; WeComExportFileError naming the file that cannot be read (download, size, MD5,
   * padding, JSON); WeComDetailReadRestrictedError (48009)
   */
  async *rows(): AsyncGenerator<T> {
    await this.wait();
    yield* this.source.read();
  }

  /** Every row in one array. For small directories: `rows()` never holds more than one file. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const row of this.rows()) all.push(row);
    return all;
  }

  /** `for await (const row of job)`: the same as `rows()`. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.rows();
  }

  /** Plain data, for logs and JSON (nothing of the source, which can decrypt the files). */
  toJSON(): { corpId: string; jobId: string; jobType: ExportJobType; submittedAt: Date } {
    const { corpId, jobId, jobType, submittedAt } = this;
    return { corpId, jobId, jobType, submittedAt };
  }
}

/**
 * What `readExport(jobId)` returns: a promise of the {@link ExportJob} (once its record is read from the store)
 * that can also be used directly — `batch.readExport(id).rows()`, `await batch.readExport(id).toArray()`.
 */
export type PendingExportJob = Promise<ExportJob> & Pick<ExportJob, 'rows' | 'toArray' | 'wait'>;

/** Gives a promise of a job the job's reading methods. */
export function pendingExportJob(job: Promise<ExportJob>): PendingExportJob {
  // An unawaited failure surfaces through rows()/toArray()/wait() or the await; never an unhandled rejection.
  job.catch(() => undefined);
  return Object.assign(job, {
    async *rows(): AsyncGenerator<ExportRow> {
      yield* (await job).rows();
    },
    toArray: async () => (await job).toArray(),
    wait: async (options?: { timeoutMs?: number }) => (await job).wait(options),
  });
}
