import { WeComInvalidRequestError } from '../../errors/wecom-invalid-request.error.js';
import type { CsvBuildOptions } from '../csv/csv-build.util.js';
import { buildDepartmentCsv } from '../csv/department-csv.writer.js';
import { buildMemberCsv } from '../csv/member-csv.writer.js';
import type { DepartmentSource, MemberSource } from './import-source.types.js';

/** An import file ready to upload (`csv`) or already uploaded (`mediaId`), with its data rows when known. */
export interface PreparedFile {
  csv?: Buffer;
  mediaId?: string;
  rows?: number;
}

/** Turns a member source into a file: rows are validated and written as CSV (rejecting every bad row at once). */
export async function prepareMemberSource(source: MemberSource, options: CsvBuildOptions): Promise<PreparedFile> {
  if ('users' in source) {
    const built = await buildMemberCsv(source.users, options);
    return { csv: built.csv, rows: built.rows };
  }
  return prepareRawSource(source);
}

/** Turns a department source into a file (see {@link prepareMemberSource}). */
export async function prepareDepartmentSource(
  source: DepartmentSource,
  options: CsvBuildOptions,
): Promise<PreparedFile> {
  if ('departments' in source) {
    const built = await buildDepartmentCsv(source.departments, options);
    return { csv: built.csv, rows: built.rows };
  }
  return prepareRawSource(source);
}

/** A ready CSV or media_id, checked enough that a wrong call fails here rather than as a WeCom errcode. */
function prepareRawSource(source: { csv: Buffer | string } | { mediaId: string }): PreparedFile {
  if ('mediaId' in source) {
    if (typeof source.mediaId !== 'string' || source.mediaId.length === 0) {
      throw new WeComInvalidRequestError('source.mediaId', 'must be a non-empty string');
    }
    return { mediaId: source.mediaId };
  }
  if ('csv' in source) {
    const csv = toBuffer(source.csv);
    return { csv, rows: countDataRows(csv) };
  }
  throw new WeComInvalidRequestError('source', 'give rows, { csv } or { mediaId }');
}

/** A CSV as bytes (strings are UTF-8, which is what WeCom's importer reads). */
export function toBuffer(csv: Buffer | string): Buffer {
  return typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
}

/** Data rows of a CSV: lines after the header, ignoring a trailing line break. */
export function countDataRows(csv: Buffer): number {
  let lines = 0;
  for (let i = csv.indexOf(10); i !== -1; i = csv.indexOf(10, i + 1)) lines++;
  if (csv.length > 0 && csv[csv.length - 1] !== 10) lines++;
  return Math.max(lines - 1, 0);
}
