import { IsOptional, ValidateIf } from 'class-validator';
import {
  addressRule,
  aliasRule,
  departmentsRule,
  disabledRule,
  emailRule,
  extAttrsRule,
  genderRule,
  isLeaderInDeptRule,
  memberOrderRule,
  mobileRule,
  nameRule,
  positionRule,
  telephoneRule,
  useridRule,
} from './member-row.rules.js';
import { CsvSafe, WeComRule } from './wecom-rule.util.js';

/**
 * 性别. `'male'` / `'female'`, or WeCom's API codes `1` (male) / `2` (female). Written to the CSV as 男 / 女,
 * the spelling the import template uses.
 */
export type MemberGender = 'male' | 'female' | 1 | 2;

/**
 * One member of a `syncUsers` / `replaceUsers` import: one line of WeCom's member CSV template.
 *
 * Plain objects of this shape are accepted everywhere; they are checked against the decorators below (and
 * the cross-row rules: unique userids, mobiles and e-mails) before anything is uploaded. Optional fields
 * left `undefined` (or `null`) are written as empty cells, and a column no row sets is left out of the file
 * entirely, which tells WeCom not to touch that field (whether an empty cell in a present column clears the
 * field or leaves it alone is not documented by WeCom — give the field on every row if that matters).
 *
 * Text fields must not contain `,` `"` CR or LF unless the module option `allowCsvQuoting` is set (WeCom's
 * support for quoted CSV cells is unconfirmed). Nothing is trimmed or rewritten: a value is uploaded as given,
 * so text with leading or trailing whitespace is refused rather than trimmed behind your back.
 *
 * ```ts
 * const row: MemberRow = { userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [1, 2] };
 * ```
 */
export class MemberRow {
  /**
   * 帐号 — the member's userid, the import's primary key. 1–64 bytes of letters, digits and `_ - @ .`,
   * first character a letter or digit (40003). Unique within the file, ignoring case (302003).
   */
  @WeComRule('wecomUserid', useridRule)
  userid!: string;

  /** 姓名 — display name, 1–64 characters (60112). Required. */
  @WeComRule('wecomName', nameRule)
  @CsvSafe()
  name!: string;

  /**
   * 手机号 — at most 32 of digits, `+` and `-` (60103); unique within the file (60104). A member needs a
   * mobile or an e-mail (60129).
   */
  @ValidateIf((row: MemberRow) => row.mobile != null || row.email == null)
  @WeComRule('wecomMobile', mobileRule)
  mobile?: string;

  /**
   * 邮箱 — an e-mail address of 6–64 bytes (60105): ASCII, as HTML's `<input type="email">` defines it, with a
   * dotted domain. Unique within the file, ignoring case (60106).
   */
  @IsOptional()
  @WeComRule('wecomEmail', emailRule)
  @CsvSafe()
  email?: string;

  /**
   * 所在部门 — ids of the member's departments (root = 1), 1–20 of them (60110), each an integer in
   * [1, 2^32) (60123), written `;`-separated. An id WeCom does not know is created under 其他(待设置部门).
   */
  @WeComRule('wecomDepartments', departmentsRule)
  departments!: number[];

  /** 职位 — job title, at most 128 characters (301012). */
  @IsOptional()
  @WeComRule('wecomPosition', positionRule)
  @CsvSafe()
  position?: string;

  /** 性别 — see {@link MemberGender}; written as 男 / 女. */
  @IsOptional()
  @WeComRule('wecomGender', genderRule)
  gender?: MemberGender;

  /**
   * 是否部门内领导 — whether the member leads each department of `departments`: one boolean per department,
   * same order (60132). Written as `1` / `0`, `;`-separated.
   */
  @IsOptional()
  @WeComRule('wecomIsLeaderInDept', isLeaderInDeptRule)
  isLeaderInDept?: boolean[];

  /**
   * 排序 — the member's order in each department of `departments`: one integer in [0, 2^32) per department,
   * same order (60132); a larger value sorts earlier. Written `;`-separated.
   */
  @IsOptional()
  @WeComRule('wecomOrder', memberOrderRule)
  order?: number[];

  /** 别名 — alias, 1–64 characters. */
  @IsOptional()
  @WeComRule('wecomAlias', aliasRule)
  @CsvSafe()
  alias?: string;

  /** 地址 — address, at most 128 characters. */
  @IsOptional()
  @WeComRule('wecomAddress', addressRule)
  @CsvSafe()
  address?: string;

  /** 座机 — landline, 1–32 of digits and `-` (301013). */
  @IsOptional()
  @WeComRule('wecomTelephone', telephoneRule)
  telephone?: string;

  /** 禁用 — `true` disables the account (written `1`), `false` enables it (`0`). */
  @IsOptional()
  @WeComRule('wecomDisabled', disabledRule)
  disabled?: boolean;

  /**
   * Extended attributes (扩展属性) by name: each key becomes a column whose header is the attribute's name
   * exactly as created in the admin console (WeCom ignores unknown attributes), after the standard columns
   * in first-seen order. Names must not repeat a template header (姓名, 帐号, …); values are text.
   */
  @IsOptional()
  @WeComRule('wecomExtAttrs', extAttrsRule)
  @CsvSafe()
  extAttrs?: Record<string, string>;
}
