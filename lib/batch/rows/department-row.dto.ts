import { IsOptional } from 'class-validator';
import { departmentIdRule, departmentNameRule, departmentOrderRule, parentIdRule } from './department-row.rules.js';
import { CsvSafe, WeComRule } from './wecom-rule.util.js';

/**
 * One department of a `replaceDepartments` import: one line of WeCom's department CSV template
 * (部门名称,部门ID,父部门ID,排序). After the job WeCom's tree matches the file, so the rows must form a valid tree:
 * ids unique (302006), every parent in the file or the root 1 (which always exists), no cycles (60010), at most
 * 15 levels counting the root (81002), no two children of one parent with the same name (302007). Those
 * cross-row rules are checked too, before anything is uploaded.
 *
 * Plain objects of this shape are accepted everywhere. The root may be listed as `{ id: 1, parentId: 0, name }`
 * (to rename it) or left out.
 *
 * ```ts
 * const rows: DepartmentRow[] = [{ id: 2, name: '研发部', parentId: 1 }, { id: 3, name: '前端组', parentId: 2, order: 10 }];
 * ```
 */
export class DepartmentRow {
  /** 部门ID — the department's id, an integer in [1, 2^32); 1 is the root (60123). Unique in the file (302006). */
  @WeComRule('wecomDepartmentId', departmentIdRule)
  id!: number;

  /**
   * 部门名称 — 1–32 characters (60001), at most 64 UTF-8 bytes (60125), without `\ : * ? " < > |` or `｜`
   * (60009), no surrounding whitespace. Unique among the children of one parent (302007).
   */
  @WeComRule('wecomDepartmentName', departmentNameRule)
  @CsvSafe()
  name!: string;

  /**
   * 父部门ID — the parent's id: 0 for the root row (id 1) only, otherwise 1 (the root) or another department
   * of the file (60124, 60004).
   */
  @WeComRule('wecomParentId', parentIdRule)
  parentId!: number;

  /**
   * 排序 — an integer in [0, 2^32); a larger value sorts earlier among siblings. Omitted or 0 leaves the
   * department's order unchanged. The 排序 column is written only when some row sets it.
   */
  @IsOptional()
  @WeComRule('wecomDepartmentOrder', departmentOrderRule)
  order?: number;
}
