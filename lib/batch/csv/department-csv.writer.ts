import type { DepartmentRow } from '../rows/department-row.dto.js';
import { DepartmentRowsCheck } from '../rows/department-rows.check.js';
import { runBlocking, runSliced } from '../rows/row-steps.util.js';
import { buildCsvSteps, type CsvBuildOptions, type CsvBuildResult } from './csv-build.util.js';
import { DepartmentCsvColumns } from './department-csv.columns.js';

/**
 * Validates department rows and writes WeCom's department import CSV (replaceparty), in time slices. This is
 * what `replaceDepartments` does with `{ departments }`.
 *
 * - Every rule is checked first (each field; unique ids; parents in the file or the root 1; no cycles; at most
 *   15 levels; unique sibling names; CSV safety); any problem rejects with a `WeComRowValidationError` listing
 *   all of them, and no CSV is produced.
 * - Header `部门名称,部门ID,父部门ID`, plus `排序` when some row sets `order`; UTF-8 without BOM; LF.
 */
export function buildDepartmentCsv(
  rows: Iterable<DepartmentRow>,
  options: CsvBuildOptions = {},
): Promise<CsvBuildResult> {
  return runSliced(
    buildCsvSteps(new DepartmentRowsCheck(options), new DepartmentCsvColumns(!!options.allowCsvQuoting), rows, options),
  );
}

/**
 * The synchronous form of {@link buildDepartmentCsv}: same checks, same bytes; blocks the event loop.
 * @throws WeComRowValidationError listing every problem when a row or the tree is invalid.
 */
export function writeDepartmentCsv(
  rows: Iterable<DepartmentRow>,
  options: Omit<CsvBuildOptions, 'sliceMs'> = {},
): Buffer {
  return runBlocking(
    buildCsvSteps(new DepartmentRowsCheck(options), new DepartmentCsvColumns(!!options.allowCsvQuoting), rows, options),
  ).csv;
}
