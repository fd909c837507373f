// WeCom's import templates, as header texts: what rows/ checks extended-attribute names against and what csv/
// writes. They live apart from both so that neither folder imports the other.

/**
 * The member template's headers (syncuser/replaceuser), in the template's order, keyed by `MemberRow` field.
 * Exact spellings matter: WeCom matches columns by header text (`帐号`, not `账号`).
 */
export const MEMBER_CSV_HEADERS = {
  name: '姓名',
  userid: '帐号',
  mobile: '手机号',
  email: '邮箱',
  departments: '所在部门',
  position: '职位',
  gender: '性别',
  isLeaderInDept: '是否部门内领导',
  order: '排序',
  alias: '别名',
  address: '地址',
  telephone: '座机',
  disabled: '禁用',
} as const;

/** A standard (non-extended-attribute) member column, by `MemberRow` field name. */
export type MemberCsvField = keyof typeof MEMBER_CSV_HEADERS;

/** The standard member fields in template order. */
export const MEMBER_CSV_FIELDS = Object.keys(MEMBER_CSV_HEADERS) as MemberCsvField[];

/**
 * Header texts an extended attribute must not use: the template's own columns, their alternative spellings,
 * the template's explanatory column and the legacy 微信号 column. A clash would make WeCom read the
 * attribute as (or confuse it with) a standard field.
 */
export const RESERVED_MEMBER_HEADERS: ReadonlySet<string> = new Set([
  ...Object.values(MEMBER_CSV_HEADERS),
  '账号',
  '禁用项说明：(0-启用;1-禁用)',
  '微信号',
]);

/**
 * The template's explanatory column starts with this text (`禁用项说明：(0-启用;1-禁用)`); an importer may take any
 * header starting with it for that column and drop its data.
 */
export const TEMPLATE_NOTE_HEADER_PREFIX = '禁用项说明';

/** Whether an extended attribute may not be named `name` (see {@link RESERVED_MEMBER_HEADERS}). */
export function isReservedMemberHeader(name: string): boolean {
  return RESERVED_MEMBER_HEADERS.has(name) || name.startsWith(TEMPLATE_NOTE_HEADER_PREFIX);
}
