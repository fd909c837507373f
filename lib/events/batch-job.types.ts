/** The import job types this module submits (`batch/syncuser`, `batch/replaceuser`, `batch/replaceparty`). */
export type BatchJobType = 'sync_user' | 'replace_user' | 'replace_party';

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
