import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { DepartmentRowsCheck } from './department-rows.check.js';
import type { DepartmentRow } from './department-row.dto.js';
import type { MemberRow } from './member-row.dto.js';
import { MemberRowsCheck } from './member-rows.check.js';
import { checkRowsSteps, runSliced, type RowStepOptions } from './row-steps.util.js';
import type { RowValidationOptions } from './row.validator.js';

/** Options of {@link validateMemberRows} and {@link validateDepartmentRows}. */
export interface RowCheckOptions extends RowValidationOptions, RowStepOptions {}

/**
 * Checks member rows against every rule the import would apply (each field's WeCom rule, unique userids,
 * mobiles and e-mails, CSV safety) and resolves with **every** problem found, sorted by row; an empty array
 * means the rows can be imported. Never throws for bad rows (use it to give feedback before calling
 * `syncUsers`/`replaceUsers`, which throw `WeComRowValidationError` with the same problems). Works in slices
 * so a large input does not stall the event loop.
 */
export async function validateMemberRows(
  rows: Iterable<MemberRow>,
  options: RowCheckOptions = {},
): Promise<WeComRowProblem[]> {
  const checked = await runSliced(checkRowsSteps(new MemberRowsCheck(options), rows, options));
  return sortByRow(checked.problems);
}

/**
 * Checks department rows: each field's rule, unique ids, parents present (or the root 1), no cycles, at most
 * 15 levels, unique sibling names, CSV safety. Resolves with every problem, sorted by row (empty: valid).
 */
export async function validateDepartmentRows(
  rows: Iterable<DepartmentRow>,
  options: RowCheckOptions = {},
): Promise<WeComRowProblem[]> {
  const checked = await runSliced(checkRowsSteps(new DepartmentRowsCheck(options), rows, options));
  return sortByRow(checked.problems);
}

function sortByRow(problems: WeComRowProblem[]): WeComRowProblem[] {
  return problems.sort((a, b) => a.row - b.row);
}
