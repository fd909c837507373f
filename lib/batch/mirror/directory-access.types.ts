import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { ExportJob } from '../export/export-job.handle.js';
import type { DepartmentIdEntry, ExportOptions, ExportRowByType, UserIdEntry } from '../export/export-rows.types.js';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';

/**
 * A submitted import job as the mirror follows it (`BatchJob` has this shape; declared here so the mirror folder does
 * not import the batch root, which imports it).
 */
export interface MirrorJobHandle {
  readonly jobId: string;
  readonly jobType: string;
  wait(options?: { timeoutMs?: number }): Promise<BatchJobCompletedEvent>;
}

/**
 * What the mirror reads and imports through: `BatchService`'s public methods (the service passes itself), so a
 * plan of a corp bound with `forCorp` reads and writes that corp.
 */
export interface DirectoryAccess {
  readonly corpId: string;
  exportUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_user']>>;
  exportSimpleUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_simple_user']>>;
  exportDepartments(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_department']>>;
  listUserIds(): AsyncIterable<UserIdEntry>;
  listDepartmentIds(): Promise<DepartmentIdEntry[]>;
  syncUsers(source: { users: Iterable<MemberRow> }, options?: { toInvite?: boolean }): Promise<MirrorJobHandle>;
  replaceUsers(source: { users: Iterable<MemberRow> }, options?: { toInvite?: boolean }): Promise<MirrorJobHandle>;
  replaceDepartments(source: { departments: Iterable<DepartmentRow> }): Promise<MirrorJobHandle>;
}
