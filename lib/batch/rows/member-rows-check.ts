import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { MemberRow } from './member-row.js';
import type { RowsCheck } from './row-steps.js';
import { RowValidator, type RowValidationOptions } from './row-validator.js';

/**
 * Checks member rows one at a time, and the rules that span rows as they arrive: userids unique ignoring
 * case (302003), mobiles unique (60104), e-mails unique ignoring case (60106). Only one `Map` entry per value
 * is kept, so memory stays proportional to the number of rows, not to their size.
 */
export class MemberRowsCheck implements RowsCheck<MemberRow> {
  readonly kind = 'member';
  /** Every problem found so far, in row order. */
  readonly problems: WeComRowProblem[] = [];
  private readonly validator: RowValidator<MemberRow>;
  private readonly userids = new Map<string, number>();
  private readonly mobiles = new Map<string, number>();
  private readonly emails = new Map<string, number>();
  private count = 0;

  constructor(options: RowValidationOptions = {}) {
    this.validator = new RowValidator(MemberRow, options);
  }

  /** The view of `row` that the rules read and the CSV writer must write (see RowValidator.view). */
  view(row: unknown): MemberRow | undefined {
    return typeof row === 'object' && row !== null && !Array.isArray(row) ? this.validator.view(row) : undefined;
  }

  /** Checks the row at `index`; returns its view when the row passed its own checks (for the writer). */
  add(input: unknown, index: number): MemberRow | undefined {
    this.count++;
    const row = this.view(input);
    const valid = this.validator.check(row ?? input, index, this.problems);
    if (!row) return undefined;
    const { userid, mobile, email } = row as { userid: unknown; mobile: unknown; email: unknown };
    if (typeof userid === 'string' && userid !== '') {
      this.unique(this.userids, userid.toLowerCase(), index, 'userid', 302003, 'userids are compared ignoring case');
    }
    if (typeof mobile === 'string' && mobile !== '') this.unique(this.mobiles, mobile, index, 'mobile', 60104);
    if (typeof email === 'string' && email !== '') {
      this.unique(this.emails, email.toLowerCase(), index, 'email', 60106, 'e-mails are compared ignoring case');
    }
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

  private unique(
    seen: Map<string, number>,
    key: string,
    index: number,
    field: string,
    code: number,
    note?: string,
  ): void {
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return;
    }
    const message = `repeats the ${field} of row ${first}${note ? ` (${note})` : ''}`;
    this.problems.push({ row: index, field, message, code });
  }
}
