import type { ExportJobType } from '../../model/batch-job.types.js';

/**
 * Exported rows speak the vocabulary of `MemberRow` / `DepartmentRow` (camelCase, `departments`, `parentId`,
 * `isLeaderInDept`, `extAttrs`, gender as `'male'` / `'female'`), so an exported member and a `MemberRow`
 * compare field by field. A field WeCom did not send is ABSENT — never `''` — and so is a field WeCom may
 * withhold (see {@link WITHHELD_MEMBER_FIELDS}) when it came as `''`: absent means "unknown", not "empty".
 */

/**
 * Member fields that WeCom stopped returning to some callers on 2022-06-20 (OFFICIAL 96260; whether the
 * export follows that rule for the 通讯录同步 secret is UNCONFIRMED). For these an empty value in the file is
 * reported as absent, since an empty field and a withheld one cannot be told apart.
 */
export const WITHHELD_MEMBER_FIELDS = [
  'avatar',
  'thumbAvatar',
  'gender',
  'mobile',
  'email',
  'bizMail',
  'qrCode',
  'address',
] as const;

/** A member of `exportSimpleUsers()` (`export/simple_user`: as `user/simplelist`). */
export interface ExportedSimpleMember {
  userid: string;
  name: string;
  /** Department ids, in WeCom's order. */
  departments: number[];
  /** The corp-independent id (`open_userid`), when WeCom sends it. */
  openUserid?: string;
}

/** A member of `exportUsers()` (`export/user`: as `user/list`). Compare it to a `MemberRow` field by field. */
export interface ExportedMember extends ExportedSimpleMember {
  /** Order in each department of `departments`, same positions. */
  order?: number[];
  position?: string;
  mobile?: string;
  /** `'male'` / `'female'` as in `MemberRow`; absent for WeCom's "0" (未定义: not set) and when withheld. */
  gender?: 'male' | 'female';
  email?: string;
  bizMail?: string;
  /** Whether the member leads each department of `departments`, same positions. */
  isLeaderInDept?: boolean[];
  /** Userids of the member's direct leaders. */
  directLeader?: string[];
  avatar?: string;
  thumbAvatar?: string;
  telephone?: string;
  alias?: string;
  address?: string;
  /** `MemberRow.disabled`: true when WeCom's `status` is 2 (已禁用). */
  disabled?: boolean;
  /** WeCom's `status`: 1 active (已激活), 2 disabled, 4 not activated (未激活), 5 left (退出企业). */
  status?: number;
  mainDepartment?: number;
  /** Text extended attributes (扩展属性, `extattr.attrs` of type 0) by name, as `MemberRow.extAttrs`. */
  extAttrs?: Record<string, string>;
  /** Web extended attributes (type 1) by name. */
  extAttrLinks?: Record<string, { url: string; title: string }>;
  qrCode?: string;
  externalPosition?: string;
  /** `external_profile` as WeCom sent it (对外属性; structure varies). */
  externalProfile?: Record<string, unknown>;
}

/** A department of `exportDepartments()` (`export/department`: as `department/list`). Compare it to a `DepartmentRow`. */
export interface ExportedDepartment {
  id: number;
  name: string;
  /** 0 for the root (id 1) in practice (UNCONFIRMED). */
  parentId: number;
  order?: number;
  nameEn?: string;
  /** Userids of the department's leaders (`department_leader`; UNCONFIRMED in exports). */
  departmentLeaders?: string[];
}

/** One entry of `exportTagUsers(tagId)` (`export/taguser`: as `tag/get`): a member or a department of the tag. */
export type ExportedTagEntry =
  | { kind: 'user'; tagName?: string; userid: string; name?: string }
  | { kind: 'department'; tagName?: string; departmentId: number };

/** The row type each export yields. */
export interface ExportRowByType {
  export_user: ExportedMember;
  export_simple_user: ExportedSimpleMember;
  export_department: ExportedDepartment;
  export_taguser: ExportedTagEntry;
}

/** A row of any export. */
export type ExportRow = ExportRowByType[ExportJobType];

/** Options of `exportUsers`, `exportSimpleUsers`, `exportDepartments` and `exportTagUsers`. */
export interface ExportOptions {
  /**
   * Records per file (`block_size`): an integer in [10 000, 1 000 000] — members, departments, or members +
   * departments for the tag export. Checked before anything is sent.
   * @default exportBlockSize (50000)
   */
  blockSize?: number;
}

/** One file of a finished export, as `export/get_result` lists it. */
export interface ExportFileInfo {
  /** Where to download it: valid about 2 hours, no access token needed. A capability: never logged. */
  url: string;
  /** Bytes of the ciphertext. */
  size: number;
  /** MD5 of the ciphertext, 32 lowercase hex digits. */
  md5: string;
}

/** A typed `export/get_result` answer. */
export interface ExportJobResult {
  jobId: string;
  /** 0 not started, 1 processing, 2 done, 3 failed. */
  status: 0 | 1 | 2 | 3;
  /** The files, at status 2 only (empty otherwise). */
  files: ExportFileInfo[];
}

/** A row of `listUserIds()` (`user/list_id`): one per (member, department). */
export interface UserIdEntry {
  userid: string;
  department: number;
}

/** A department of `listDepartmentIds()` (`department/simplelist`): the tree shape, without names. */
export interface DepartmentIdEntry {
  id: number;
  parentId: number;
  order: number;
}
