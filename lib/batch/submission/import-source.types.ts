import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';

/** Members to import: typed rows (validated, then written as CSV), a ready CSV, or an uploaded file's media_id. */
export type MemberSource = { users: Iterable<MemberRow> } | { csv: Buffer | string } | { mediaId: string };

/** Departments to import: typed rows, a ready CSV, or an uploaded file's media_id. */
export type DepartmentSource =
  { departments: Iterable<DepartmentRow> } | { csv: Buffer | string } | { mediaId: string };

/** Options of `syncUsers` / `replaceUsers`. */
export interface MemberImportOptions {
  /**
   * Invite newly created members to use WeCom (a notice a day for up to 3 days). Omitted: WeCom's default,
   * which is `true` — pass `false` to create members silently.
   */
  toInvite?: boolean | undefined;
}
