/**
 * The domain vocabulary of WeCom's asynchronous jobs, shared by every layer (stores, client, batch, callback,
 * events). The one list of job types: everything else derives from it.
 */

/** The import job types this module submits (`batch/syncuser`, `batch/replaceuser`, `batch/replaceparty`). */
export const BATCH_JOB_TYPES = ['sync_user', 'replace_user', 'replace_party'] as const;

/** One of {@link BATCH_JOB_TYPES}. */
export type BatchJobType = (typeof BATCH_JOB_TYPES)[number];

/** True when `value` is a job type this module follows. */
export function isBatchJobType(value: unknown): value is BatchJobType {
  return (BATCH_JOB_TYPES as readonly unknown[]).includes(value);
}

/**
 * The async export job types (`export/user`, `export/simple_user`, `export/department`, `export/taguser`), as
 * `export/get_result` and the module name them. A completion callback may say `export_tag` for the tag export:
 * {@link toTrackedJobType} turns it into `export_taguser`.
 */
export const EXPORT_JOB_TYPES = ['export_user', 'export_simple_user', 'export_department', 'export_taguser'] as const;

/** One of {@link EXPORT_JOB_TYPES}. */
export type ExportJobType = (typeof EXPORT_JOB_TYPES)[number];

/** True when `value` is an export job type (`export_tag` is not: normalize it with {@link toTrackedJobType}). */
export function isExportJobType(value: unknown): value is ExportJobType {
  return (EXPORT_JOB_TYPES as readonly unknown[]).includes(value);
}

/** Every job type the module tracks to completion: the imports it submits and the exports it reads. */
export type TrackedJobType = BatchJobType | ExportJobType;

/**
 * The tracked job type a `JobType` string names, or `undefined` for a job family the module does not follow
 * (`invite_user`, `import_chain_contact`, …). WeCom's pages name the tag export both `export_tag` and
 * `export_taguser`; both become `export_taguser`.
 */
export function toTrackedJobType(value: unknown): TrackedJobType | undefined {
  if (value === 'export_tag') return 'export_taguser';
  return isBatchJobType(value) || isExportJobType(value) ? value : undefined;
}

/** `batch/getresult` status: 1 = 任务开始 (started), 2 = 任务进行中 (running), 3 = 任务已完成 (done). */
export type BatchJobStatus = 1 | 2 | 3;

/**
 * Per-row result of a member import (`sync_user` / `replace_user`), as returned by `batch/getresult`.
 * `errcode` is an ordinary WeCom global code (60104 mobile taken, 60106 email taken, …).
 */
export interface BatchUserResultRow {
  userid: string;
  errcode: number;
  errmsg: string;
}

/** The `action` bits of a department row: what WeCom did to the department. */
export interface BatchPartyActions {
  /** bit 1 — 新建部门 */
  created: boolean;
  /** bit 2 — 更改部门名称 */
  renamed: boolean;
  /** bit 4 — 移动部门 */
  moved: boolean;
  /** bit 8 — 修改部门排序 */
  reordered: boolean;
}

/** Per-row result of a department import (`replace_party`), with the `action` bitmask decoded. */
export interface BatchPartyResultRow {
  partyid: number;
  /** The raw bitmask (1 create, 2 rename, 4 move, 8 reorder). */
  action: number;
  actions: BatchPartyActions;
  errcode: number;
  errmsg: string;
}

/** A result row of either kind. */
export type BatchResultRow = BatchUserResultRow | BatchPartyResultRow;

/** A typed `batch/getresult` answer. */
export interface BatchJobResult {
  jobId: string;
  status: BatchJobStatus;
  /** The job type WeCom reports (`sync_user`, `replace_user`, `replace_party`; other strings are passed through). */
  type: BatchJobType | (string & {});
  /** Rows processed. */
  total: number;
  /** 0–100; 100 when done. */
  percentage: number;
  /** Per-row results; only filled once `status` is 3. Party rows have their `action` bitmask decoded. */
  result: BatchResultRow[];
}

/** How the module learnt that a job finished: WeCom's callback, or `batch/getresult` polling. */
export type BatchJobCompletionSource = 'callback' | 'poll';
