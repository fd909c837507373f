import { isUint32, textRule, type RuleCheck } from './wecom-rule.util.js';

// The department rules of WeCom's replaceparty template. Rules that need the whole file (duplicate ids,
// parents, cycles, depth, sibling names) live in DepartmentRowsCheck.

/** The root department's id; it always exists, whether or not the file lists it. */
export const ROOT_DEPARTMENT_ID = 1;

/** Deepest level of the department tree, the root being level 1 (81002). */
export const MAX_DEPARTMENT_DEPTH = 15;

/** 部门ID: an integer in [1, 2^32); 1 is the root. Required (302004). */
export const departmentIdRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null) {
    report?.({ path: '', message: 'is required', errcode: 302004 });
    return false;
  }
  if (isUint32(value, 1)) return true;
  report?.({ path: '', message: 'must be an integer from 1 (the root) to 4294967295', errcode: 60123 });
  return false;
};

/**
 * 部门名称: 1–32 characters (60001) and at most 64 UTF-8 bytes (60125), without `\ : * ? " < > |` or the
 * full-width `｜` (60009). The docs disagree on 32 or 64 characters; the stricter limit is enforced.
 */
export const departmentNameRule = textRule({
  min: 1,
  max: 32,
  unit: 'chars',
  maxBytes: 64,
  errcode: 60001,
  bytesErrcode: 60125,
  forbidden: {
    regex: /[\\:*?"<>|\uFF5C]/,
    message: 'must not contain \\ : * ? " < > | or ｜',
    errcode: 60009,
  },
  required: { message: 'is required', errcode: 302004 },
});

/**
 * 父部门ID: an integer in [0, 2^32). Only the root row (id 1) has parent 0, and it must; every other row names
 * a parent ≥ 1 (60124). Required (302004).
 */
export const parentIdRule: RuleCheck = (value, row, report) => {
  if (value === undefined || value === null) {
    report?.({ path: '', message: 'is required', errcode: 302004 });
    return false;
  }
  if (!isUint32(value)) {
    report?.({ path: '', message: 'must be an integer from 0 to 4294967295', errcode: 60124 });
    return false;
  }
  if (row.id === ROOT_DEPARTMENT_ID && value !== 0) {
    report?.({ path: '', message: 'must be 0 for the root department (id 1)', errcode: 60124 });
    return false;
  }
  if (row.id !== ROOT_DEPARTMENT_ID && value === 0) {
    report?.({
      path: '',
      message: 'is 0, which only the root department (id 1) may use; top-level departments have parent 1',
      errcode: 60124,
    });
    return false;
  }
  return true;
};

/** 排序: an integer in [0, 2^32); a larger value sorts earlier, 0 leaves the order unchanged. */
export const departmentOrderRule: RuleCheck = (value, _row, report) => {
  if (value === undefined || value === null || isUint32(value)) return true;
  report?.({ path: '', message: 'must be an integer from 0 to 4294967295' });
  return false;
};
