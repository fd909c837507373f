import type { BatchJobType } from '../../model/batch-job.types.js';
import { WeComFileTooLargeError } from '../../errors/wecom-file-too-large.error.js';
import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import type { CsvBuildOptions } from '../csv/csv-build.util.js';
import { buildCsvPartsSteps, splitCsvBuffer, writeCsvParts, type CsvPart } from '../csv/csv-parts.util.js';
import { DepartmentCsvColumns } from '../csv/department-csv.columns.js';
import { MemberCsvColumns } from '../csv/member-csv.columns.js';
import { DepartmentRowsCheck } from '../rows/department-rows.check.js';
import { MemberRowsCheck } from '../rows/member-rows.check.js';
import type { DepartmentSource, MemberSource } from './import-source.types.js';
import { countDataRows, toBuffer } from './import-source.util.js';

/** One uploaded file of an import: a whole file, or one part of a split sync. */
export interface UploadedPart {
  /** 0-based position in the run. */
  index: number;
  mediaId: string;
  /** 0-based index, in the input rows, of the part's first row (0 for a `{ mediaId }` source). */
  firstRow: number;
  /** Data rows, when known (not for a `{ mediaId }` source). */
  rows: number | undefined;
}

/** Uploads one CSV and resolves its media_id. */
export type UploadPart = (csv: Buffer, index: number) => Promise<string>;

/**
 * Turns an import source into uploaded files: rows are validated (every problem at once, before anything is
 * uploaded) and written part by part, each part uploaded before the next is written (one part in memory at a
 * time); a ready CSV over `maxBytes` is split at record boundaries (sync) or refused (replace); a media_id is
 * taken as it is. `split: false` (replaces): over the limit throws `WeComFileTooLargeError`, nothing uploaded.
 */
export async function uploadSource(
  jobType: BatchJobType,
  source: MemberSource | DepartmentSource,
  options: CsvBuildOptions & { maxBytes: number },
  upload: UploadPart,
): Promise<UploadedPart[]> {
  const limit = { maxBytes: options.maxBytes, jobType, split: jobType === 'sync_user' };
  if (source !== null && typeof source === 'object' && ('users' in source || 'departments' in source)) {
    const steps =
      'users' in source
        ? buildCsvPartsSteps(
            new MemberRowsCheck(options),
            new MemberCsvColumns(!!options.allowCsvQuoting),
            source.users,
            options,
            limit,
          )
        : buildCsvPartsSteps(
            new DepartmentRowsCheck(options),
            new DepartmentCsvColumns(!!options.allowCsvQuoting),
            source.departments,
            options,
            limit,
          );
    const uploaded: UploadedPart[] = [];
    await writeCsvParts(
      steps,
      () => undefined,
      async (part) => void uploaded.push(await uploadOne(part, upload)),
    );
    return uploaded;
  }
  if (source !== null && typeof source === 'object' && 'mediaId' in source) {
    if (typeof source.mediaId !== 'string' || source.mediaId.length === 0) {
      throw new WeComInvalidRequestError('source.mediaId', 'must be a non-empty string');
    }
    return [{ index: 0, mediaId: source.mediaId, firstRow: 0, rows: undefined }];
  }
  if (source !== null && typeof source === 'object' && 'csv' in source) {
    const csv = toBuffer(source.csv);
    if (csv.length <= limit.maxBytes) {
      return [await uploadOne({ index: 0, csv, firstRow: 0, rows: countDataRows(csv) }, upload)];
    }
    if (!limit.split) throw new WeComFileTooLargeError(jobType, csv.length, limit.maxBytes);
    const uploaded: UploadedPart[] = [];
    for (const part of splitCsvBuffer(csv, limit.maxBytes, jobType)) uploaded.push(await uploadOne(part, upload));
    return uploaded;
  }
  throw new WeComInvalidRequestError('source', 'give rows, { csv } or { mediaId }');
}

async function uploadOne(part: CsvPart, upload: UploadPart): Promise<UploadedPart> {
  const mediaId = await upload(part.csv, part.index);
  return { index: part.index, mediaId, firstRow: part.firstRow, rows: part.rows };
}
