/** The department template's headers (replaceparty), in order, keyed by `DepartmentRow` field. */
export const DEPARTMENT_CSV_HEADERS = {
  name: '部门名称',
  id: '部门ID',
  parentId: '父部门ID',
  order: '排序',
} as const;

/** A department column, by `DepartmentRow` field name. */
export type DepartmentCsvField = keyof typeof DEPARTMENT_CSV_HEADERS;
