import { Inject, Injectable, Logger } from '@nestjs/common';
import { WeComExportFailedError } from '../../errors/wecom-export-failed.error.js';
import { WeComExportUnavailableError } from '../../errors/wecom-export-unavailable.error.js';
import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import type { BatchExportJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { isExportJobType, type ExportJobType } from '../../model/batch-job.types.js';
import type { JobRecord } from '../../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { JobRecords } from '../tracking/job-records.service.js';
import { JobTracker } from '../tracking/job-tracker.service.js';
import { ExportApi } from './export-api.service.js';
import { ExportJob, pendingExportJob, type PendingExportJob } from './export-job.handle.js';
import { generateExportKey, isExportKey } from './export-key.util.js';
import { ExportReader } from './export-reader.service.js';
import type { DepartmentIdEntry, ExportOptions, ExportRow, ExportRowByType, UserIdEntry } from './export-rows.types.js';

/** WeCom's bounds of `block_size` (OFFICIAL; one SDK ships 10^4/10^6 as 104/106, a lost-superscript bug). */
export const EXPORT_BLOCK_SIZE_RANGE = { min: 10_000, max: 1_000_000 } as const;
/** `user/list_id` page size: WeCom's maximum. */
const LIST_ID_PAGE = 10_000;
/** Tag ids are unsigned 32-bit integers in WeCom. */
const MAX_TAG_ID = 2 ** 32 - 1;

/**
 * Reads the corp's directory: the async exports (submitted with a fresh key kept in the job record, tracked like
 * imports, read with {@link ExportReader}) and the ID lists (`user/list_id`, `department/simplelist`), which keep
 * working where WeCom refuses detail reads (48009). `BatchService` delegates its export methods here.
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger(ExportService.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(ExportApi) private readonly api: ExportApi,
    @Inject(ExportReader) private readonly reader: ExportReader,
    @Inject(JobTracker) private readonly tracker: JobTracker,
    @Inject(JobRecords) private readonly records: JobRecords,
  ) {}

  /** See `BatchService.exportUsers`. */
  exportUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_user']>> {
    return this.submit('export_user', options);
  }

  /** See `BatchService.exportSimpleUsers`. */
  exportSimpleUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_simple_user']>> {
    return this.submit('export_simple_user', options);
  }

  /** See `BatchService.exportDepartments`. */
  exportDepartments(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_department']>> {
    return this.submit('export_department', options);
  }

  /** See `BatchService.exportTagUsers`. */
  async exportTagUsers(tagId: number, options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_taguser']>> {
    if (!Number.isInteger(tagId) || tagId < 1 || tagId > MAX_TAG_ID) {
      throw new WeComInvalidRequestError('tagId', `must be an integer in [1, ${MAX_TAG_ID}], got ${String(tagId)}`);
    }
    return this.submit('export_taguser', options, tagId);
  }

  /** See `BatchService.readExport`. */
  readExport(jobId: string): PendingExportJob {
    return pendingExportJob(this.load(jobId));
  }

  /** See `BatchService.listUserIds`. */
  async *listUserIds(): AsyncGenerator<UserIdEntry> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await this.api.listUserIdsPage(cursor, LIST_ID_PAGE);
      yield* page.entries;
      cursor = page.nextCursor;
      if (cursor !== undefined) {
        // A cursor handed out twice would loop for ever.
        if (seen.has(cursor)) throw new Error('user/list_id returned a cursor it had returned before');
        seen.add(cursor);
      }
    } while (cursor !== undefined);
  }

  /** See `BatchService.listDepartmentIds`. */
  listDepartmentIds(): Promise<DepartmentIdEntry[]> {
    return this.api.listDepartmentIds();
  }

  private async submit<K extends ExportJobType>(
    jobType: K,
    options: ExportOptions = {},
    tagId?: number,
  ): Promise<ExportJob<ExportRowByType[K]>> {
    const blockSize = options.blockSize ?? this.options.exportBlockSize;
    const { min, max } = EXPORT_BLOCK_SIZE_RANGE;
    if (!Number.isInteger(blockSize) || blockSize < min || blockSize > max) {
      throw new WeComInvalidRequestError(
        'blockSize',
        `must be an integer in [${min}, ${max}], got ${String(blockSize)}`,
      );
    }
    const encodingAesKey = generateExportKey();
    // Until the record (with the key) is saved, a fast completion callback must not be taken for an unknown job.
    const submitted = this.tracker.beginSubmission();
    let record: JobRecord;
    try {
      const jobId = await this.api.submit(jobType, {
        encoding_aeskey: encodingAesKey,
        block_size: blockSize,
        ...(tagId === undefined ? {} : { tagid: tagId }),
      });
      record = {
        corpId: this.options.corpId,
        jobId,
        jobType,
        submittedAt: Date.now(),
        status: 'pending',
        export: { encodingAesKey, blockSize, ...(tagId === undefined ? {} : { tagId }) },
      };
      await this.tracker.registerSubmission(record);
    } finally {
      submitted();
    }
    this.logger.log(`submitted ${jobType} job ${record.jobId} (block size ${blockSize})`);
    return this.handle(record) as ExportJob<ExportRowByType[K]>;
  }

  private async load(jobId: string): Promise<ExportJob> {
    if (typeof jobId !== 'string' || jobId === '') throw new WeComInvalidRequestError('jobId', 'must be a job id');
    const record = await this.records.get(jobId);
    if (!record) {
      throw new WeComExportUnavailableError(
        jobId,
        `the store has no record of it (not submitted through this module's store, or expired after ` +
          `jobRecordTtlSeconds = ${this.options.jobRecordTtlSeconds}); the key to decrypt its files was only there`,
      );
    }
    if (!isExportJobType(record.jobType) || !isExportKey(record.export?.encodingAesKey)) {
      throw new WeComExportUnavailableError(
        jobId,
        `it is a ${record.jobType} job, not an export this module submitted`,
      );
    }
    return this.handle(record);
  }

  /** The handle of a job; its source captures the key in closures, out of reach of inspection and JSON. */
  private handle(record: JobRecord): ExportJob {
    const { jobId } = record;
    const jobType = record.jobType as ExportJobType;
    const encodingAesKey = (record.export as { encodingAesKey: string }).encodingAesKey;
    return new ExportJob<ExportRow>(this.options.corpId, jobId, jobType, new Date(record.submittedAt), {
      wait: async (options) => {
        const event = await this.tracker.waitForJob(jobId, options?.timeoutMs);
        if (event.errCode !== 0) throw new WeComExportFailedError(jobId, jobType, event.errCode, event.errMsg);
        return event as BatchExportJobCompletedEvent;
      },
      read: () => this.reader.rows({ jobId, jobType, encodingAesKey }),
    });
  }
}
