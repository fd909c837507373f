import { FirstSeen } from './first-seen.util.js';
import { MemberRow } from './member-row.dto.js';
import type { RowValidationOptions } from './row.validator.js';
import { RowsCheckBase } from './rows-check.base.js';
import { rowLabel } from '../../errors/wecom-row-validation.error.js';

/**
 * Checks member rows one at a time, and the rules that span rows as they arrive: userids unique ignoring
 * case (302003), mobiles unique (60104), e-mails unique ignoring case (60106). One entry per value is kept (a
 * {@link FirstSeen} per field, keys not concatenated), so memory stays proportional to the number of rows.
 */
export class MemberRowsCheck extends RowsCheckBase<MemberRow> {
  readonly kind = 'member';
  private readonly userids = new FirstSeen();
  private readonly mobiles = new FirstSeen();
  private readonly emails = new FirstSeen();

  constructor(options: RowValidationOptions = {}) {
    super(MemberRow, options);
  }

  /** Sizes the three duplicate tables for `count` rows, so none grows (copies itself) mid-check. */
  expectRows(count: number): void {
    this.userids.reserve(count);
    this.mobiles.reserve(count);
    this.emails.reserve(count);
  }

  protected seen(row: MemberRow, index: number): void {
    const { userid, mobile, email } = row as { userid: unknown; mobile: unknown; email: unknown };
    if (typeof userid === 'string' && userid !== '') {
      this.unique(this.userids, userid.toLowerCase(), index, 'userid', 302003, 'userids are compared ignoring case');
    }
    if (typeof mobile === 'string' && mobile !== '') this.unique(this.mobiles, mobile, index, 'mobile', 60104);
    if (typeof email === 'string' && email !== '') {
      this.unique(this.emails, email.toLowerCase(), index, 'email', 60106, 'e-mails are compared ignoring case');
    }
  }

  private unique(seen: FirstSeen, key: string, index: number, field: string, code: number, note?: string): void {
    const first = seen.firstOrAdd(key, index);
    if (first < 0) return;
    const message = `repeats the ${field} of ${rowLabel(first)}${note ? ` (${note})` : ''}`;
    this.problems.push({ row: index, field, message, code });
  }
}
