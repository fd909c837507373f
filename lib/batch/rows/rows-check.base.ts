import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import type { RowsCheck } from './row-steps.util.js';
import { RowValidator, type RowClass, type RowValidationOptions } from './row.validator.js';

/**
 * What member and department checks share: each row through the class's own rules (RowValidator), then the
 * subclass's rules across rows (duplicates, the tree) as rows arrive, and the empty-file rule at the end.
 */
export abstract class RowsCheckBase<R extends object> implements RowsCheck<R> {
  abstract readonly kind: 'member' | 'department';
  /** Every problem found so far. */
  readonly problems: WeComRowProblem[] = [];
  private readonly validator: RowValidator<R>;
  private count = 0;

  constructor(rowClass: RowClass<R>, options: RowValidationOptions = {}) {
    this.validator = new RowValidator(rowClass, options);
  }

  /** The view of `row` that the rules read and the CSV writer must write (see RowValidator.view). */
  view(row: unknown): R | undefined {
    return typeof row === 'object' && row !== null && !Array.isArray(row) ? this.validator.view(row) : undefined;
  }

  /** Checks the row at `index`; returns its view when the row passed its own checks (for the writer). */
  add(input: unknown, index: number): R | undefined {
    this.count++;
    const row = this.view(input);
    const valid = this.validator.check(row ?? input, index, this.problems);
    if (row) this.seen(row, index);
    return valid ? row : undefined;
  }

  /** All problems, file-level ones included, once every row has been added. */
  finish(): WeComRowProblem[] {
    if (this.count === 0) {
      this.problems.push({
        row: -1,
        field: '(file)',
        message: 'no rows: WeCom rejects an empty import file',
        code: 40092,
      });
    }
    return this.problems;
  }

  /** Records what the rules across rows need from `row` (reporting what it can at once). */
  protected abstract seen(row: R, index: number): void;
}
