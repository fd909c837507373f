import type { BatchJobType } from '../../model/batch-job.types.js';
import { tracedCsvBuild, tracedUpload } from '../../telemetry/batch-spans.util.js';
import type { CsvBuildOptions } from '../csv/csv-build.util.js';
import type { DepartmentSource, MemberSource } from './import-source.types.js';
import { uploadSource, type UploadedPart } from './split-source.util.js';

/** What uploading an import needs from the service. */
export interface ImportUploadDeps {
  corpId: string;
  /** Files over this are split (sync) or refused (replace): the `mediaLimitBytes` option. */
  maxBytes: number;
  csv: CsvBuildOptions;
  /** `media/upload` of one CSV, resolving its media_id. */
  uploadCsv(csv: Buffer, filename: string): Promise<string>;
}

/**
 * Validates and writes an import source's CSV part by part, uploading each part before the next is written
 * (outside the import slot: media ids live 3 days), inside the CSV-build and upload spans. One part unless a sync
 * is over `maxBytes`; a `{ mediaId }` source is taken as it is.
 */
export async function uploadImportParts(
  deps: ImportUploadDeps,
  jobType: BatchJobType,
  source: MemberSource | DepartmentSource,
): Promise<UploadedPart[]> {
  const upload = (csv: Buffer, index: number): Promise<string> =>
    tracedUpload(deps.corpId, jobType, csv.length, () =>
      deps.uploadCsv(csv, `${jobType}-${Date.now()}${index > 0 ? `-part${index + 1}` : ''}.csv`),
    );
  const built = await tracedCsvBuild(deps.corpId, jobType, async () => {
    const parts = await uploadSource(jobType, source, { ...deps.csv, maxBytes: deps.maxBytes }, upload);
    return { parts, rows: parts.reduce((sum, part) => sum + (part.rows ?? 0), 0) };
  });
  return built.parts;
}
