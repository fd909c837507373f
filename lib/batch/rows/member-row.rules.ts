import { isReservedMemberHeader } from '../template/member-template.columns.js';
import {
  isTrimmed,
  isUint32,
  isWellFormedText,
  SURROUNDING_SPACE,
  textRule,
  type RuleCheck,
} from './wecom-rule.util.js';

// The member rules of WeCom's syncuser/replaceuser import template, one function per column.
// MemberRow attaches them with decorators; each reports every problem with the errcode it would cause.

/** Most departments one member may belong to in an import (60110). */
export const MAX_MEMBER_DEPARTMENTS = 20;

/** 帐号: 1–64 bytes of letters, digits and `_-@.`, starting with a letter or digit (40003). */
export const useridRule = textRule({
  min: 1,
  max: 64,
  unit: 'bytes',
  errcode: 40003,
  pattern: {
    matches: /^[A-Za-z0-9][A-Za-z0-9_\-@.]*$/,
    message: 'may only contain letters, digits and _ - @ . and must start with a letter or digit',
  },
  required: { message: 'is required', errcode: 40092 },
});

/** 姓名: 1–64 characters (60112). */
export const nameRule = textRule({
  min: 1,
  max: 64,
  unit: 'chars',
  errcode: 60112,
  required: { message: 'is required', errcode: 40092 },
});

/** 手机号: at most 32 of digits, `+` and `-` (60103). Missing is only an error when 邮箱 is missing too (60129). */
export const mobileRule = textRule({
  min: 1,
  max: 32,
  unit: 'chars',
  errcode: 60103,
  pattern: { matches: /^[0-9+-]+$/, message: 'may only contain digits, + and -' },
  required: { message: 'is required when email is not given (mobile or email)', errcode: 60129 },
});

/**
 * A valid e-mail address as HTML defines it for `<input type="email">` (WHATWG), with a dotted domain: ASCII
 * only, no quoted local parts (which WeCom is not known to accept, and which would need CSV quoting anyway).
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** 邮箱: a valid address (see EMAIL) of 6–64 bytes (60105). */
export const emailRule = textRule({
  min: 6,
  max: 64,
  unit: 'bytes',
  errcode: 60105,
  pattern: { matches: EMAIL, message: 'must be a valid e-mail address (name@example.com)' },
});

/** 职位: at most 128 characters (301012). */
export const positionRule = textRule({ min: 0, max: 128, unit: 'chars', errcode: 301012 });

/** 别名: 1–64 characters. */
export const aliasRule = textRule({ min: 1, max: 64, unit: 'chars' });

/** 地址: at most 128 characters. */
export const addressRule = textRule({ min: 0, max: 128, unit: 'chars' });

/** 座机: 1–32 of digits and `-` (301013). */
export const telephoneRule = textRule({
  min: 1,
  max: 32,
  unit: 'chars',
  errcode: 301013,
  pattern: { matches: /^[0-9-]+$/, message: 'may only contain digits and -' },
});

/** The accepted spellings of 性别, written to the CSV as 男 / 女. */
export const MEMBER_GENDERS: readonly unknown[] = ['male', 'female', 1, 2];

/** 性别: 'male' | 'female' | 1 (male) | 2 (female), WeCom's API codes included. */
export const genderRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null || MEMBER_GENDERS.includes(value)) return true;
  report?.({ path: '', message: "must be 'male', 'female', 1 (male) or 2 (female)" });
  return false;
};

/** 禁用: a boolean (written as 1 / 0). */
export const disabledRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null || typeof value === 'boolean') return true;
  report?.({ path: '', message: 'must be true or false' });
  return false;
};

/**
 * 所在部门: 1–20 distinct department ids, each an integer in [1, 2^32). Required (40092, 60127); more than 20 is
 * 60110; a bad id 60123. Unknown ids are not an error: WeCom creates them under 其他(待设置部门).
 */
export const departmentsRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null) {
    report?.({ path: '', message: 'is required: at least one department id', errcode: 60127 });
    return false;
  }
  if (!Array.isArray(value)) {
    report?.({ path: '', message: 'must be an array of department ids' });
    return false;
  }
  let ok = true;
  if (value.length === 0) {
    ok = false;
    if (!report) return false;
    report({ path: '', message: 'must list at least one department id', errcode: 60127 });
  } else if (value.length > MAX_MEMBER_DEPARTMENTS) {
    ok = false;
    if (!report) return false;
    report({
      path: '',
      message: `lists ${value.length} departments; a member may be in at most ${MAX_MEMBER_DEPARTMENTS}`,
      errcode: 60110,
    });
  }
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    if (!isUint32(id, 1)) {
      ok = false;
      if (!report) return false;
      report({ path: `[${i}]`, message: 'must be an integer department id from 1 to 4294967295', errcode: 60123 });
      continue;
    }
    const first = value.indexOf(id);
    if (first < i) {
      ok = false;
      if (!report) return false;
      report({ path: `[${i}]`, message: `repeats the department at [${first}]` });
    }
  }
  return ok;
};

/**
 * A list aligned with 所在部门 (是否部门内领导, 排序): an array with one entry per department (60132), each
 * accepted by `item`.
 */
function alignedListRule(item: (x: unknown) => boolean, itemMessage: string): RuleCheck {
  return (value, row, report) => {
    if (value === undefined || value === null) return true;
    if (!Array.isArray(value)) {
      report?.({ path: '', message: 'must be an array with one entry per department' });
      return false;
    }
    let ok = true;
    const departments = row.departments;
    if (Array.isArray(departments) && value.length !== departments.length) {
      ok = false;
      if (!report) return false;
      report({
        path: '',
        message: `must have one entry per department (${value.length} given for ${departments.length} departments)`,
        errcode: 60132,
      });
    }
    for (let i = 0; i < value.length; i++) {
      if (!item(value[i])) {
        ok = false;
        if (!report) return false;
        report({ path: `[${i}]`, message: itemMessage });
      }
    }
    return ok;
  };
}

/** 是否部门内领导: booleans aligned with 所在部门 (60132). */
export const isLeaderInDeptRule = alignedListRule((x) => typeof x === 'boolean', 'must be true or false');

/** 排序: integers in [0, 2^32) aligned with 所在部门 (60132); a larger value sorts earlier. */
export const memberOrderRule = alignedListRule((x) => isUint32(x), 'must be an integer from 0 to 4294967295');

/**
 * Extended attributes: a plain object of attribute name → text (no surrounding whitespace, as for every text). A name becomes a column header, so it must be
 * non-empty, without surrounding spaces (it would not match the attribute created in the admin console, and
 * WeCom ignores unknown attributes silently), and must not be one of the template's own headers.
 */
export const extAttrsRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null) return true;
  const proto: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (typeof value !== 'object' || Array.isArray(value) || (proto !== Object.prototype && proto !== null)) {
    report?.({ path: '', message: 'must be a plain object of attribute name → text value' });
    return false;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    const v: unknown = (value as Record<string, unknown>)[key];
    const problems: string[] = [];
    if (key === '' || key.trim() !== key) {
      problems.push('the attribute name must be non-empty, without leading or trailing spaces');
    } else if (isReservedMemberHeader(key)) {
      problems.push('the attribute name is a template column header; use the matching field instead');
    }
    if (!isWellFormedText(key)) problems.push('the attribute name contains an unpaired UTF-16 surrogate');
    if (typeof v !== 'string') problems.push('must be a string');
    else if (!isWellFormedText(v)) problems.push('contains an unpaired UTF-16 surrogate (not valid Unicode text)');
    else if (!isTrimmed(v)) problems.push(SURROUNDING_SPACE);
    if (problems.length > 0) {
      ok = false;
      if (!report) return false;
      for (const message of problems) report({ path: `.${key}`, message });
    }
  }
  return ok;
};
