import type { ExportJob, PendingExportJob } from './export-job.handle.js';
import type { DepartmentIdEntry, ExportOptions, ExportRowByType, UserIdEntry } from './export-rows.types.js';
import type { ExportService } from './export.service.js';

/**
 * The directory-reading methods of `BatchService` (it extends this class), one-line delegations to
 * {@link ExportService}. A base class of their own keeps `BatchService` short; users see them on `BatchService`.
 */
export abstract class BatchDirectoryMethods {
  /** Where the work is done (the subclass injects it). */
  protected abstract readonly directory: ExportService;

  /**
   * 导出成员详情 (`export/user`): resolves an {@link ExportJob} once WeCom accepted the job; `job.rows()` yields
   * `ExportedMember`s (MemberRow's vocabulary). A fresh encryption key is made for the job and kept in its store
   * record, so `readExport(jobId)` works on any instance sharing the store.
   * @throws WeComInvalidRequestError for a `blockSize` outside [10 000, 1 000 000], before anything is sent
   * @throws WeComDetailReadRestrictedError (48009) when this IP may not read directory details
   */
  exportUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_user']>> {
    return this.directory.exportUsers(options);
  }

  /** 导出成员 (`export/simple_user`): userid, name, departments, open_userid. As {@link exportUsers}. */
  exportSimpleUsers(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_simple_user']>> {
    return this.directory.exportSimpleUsers(options);
  }

  /** 导出部门 (`export/department`): rows in DepartmentRow's vocabulary (`id`, `name`, `parentId`, `order`). */
  exportDepartments(options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_department']>> {
    return this.directory.exportDepartments(options);
  }

  /**
   * 导出标签成员 (`export/taguser`): the members (`kind: 'user'`) and departments (`kind: 'department'`) of a tag.
   * @throws WeComInvalidRequestError for a tag id that is not an integer in [1, 2³²), before anything is sent
   */
  exportTagUsers(tagId: number, options?: ExportOptions): Promise<ExportJob<ExportRowByType['export_taguser']>> {
    return this.directory.exportTagUsers(tagId, options);
  }

  /**
   * The export `jobId` started elsewhere (another instance, or this one before a restart), read with the key
   * kept in the store: `await batch.readExport(id)` gives its {@link ExportJob}; `batch.readExport(id).rows()`
   * reads it directly.
   * @throws WeComExportUnavailableError when the store has no export record of the job
   */
  readExport(jobId: string): PendingExportJob {
    return this.directory.readExport(jobId);
  }

  /**
   * `user/list_id`, page by page (10,000 a call): one `{ userid, department }` per member and department. Works
   * where detail reads answer 48009.
   */
  listUserIds(): AsyncIterable<UserIdEntry> {
    return this.directory.listUserIds();
  }

  /** `department/simplelist`: the whole tree as `{ id, parentId, order }` (no names). Works under 48009. */
  listDepartmentIds(): Promise<DepartmentIdEntry[]> {
    return this.directory.listDepartmentIds();
  }
}
