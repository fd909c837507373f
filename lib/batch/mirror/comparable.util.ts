import { WITHHELD_MEMBER_FIELDS } from '../export/export-rows.types.js';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import { DEPARTMENT_CSV_HEADERS } from '../template/department-template.columns.js';
import { MEMBER_CSV_HEADERS } from '../template/member-template.columns.js';

/**
 * A member as the plan compares it: a desired `MemberRow` or an exported member as they are (both speak MemberRow's
 * vocabulary, so neither is copied — 100,000 members stay 100,000 objects), or an entry built from the ID lists.
 */
export interface ComparableMember {
  userid: string;
  departments: number[];
  name?: string;
  mobile?: string;
  email?: string;
  position?: string;
  /** Compared through {@link genderOf}: a desired row says `'male'` / `1`, the export `'male'`. */
  gender?: unknown;
  alias?: string;
  address?: string;
  telephone?: string;
  disabled?: boolean;
  isLeaderInDept?: boolean[];
  order?: number[];
  extAttrs?: Record<string, string>;
}

/** A department reduced to what the plan compares. */
export interface ComparableDepartment {
  id: number;
  parentId: number;
  name?: string;
  order?: number;
}

/** The single-valued member fields, in the template's column order. */
export const SCALAR_MEMBER_FIELDS = [
  'name',
  'mobile',
  'email',
  'position',
  'gender',
  'alias',
  'address',
  'telephone',
  'disabled',
] as const;

/** One of {@link SCALAR_MEMBER_FIELDS}. */
export type ScalarMemberField = (typeof SCALAR_MEMBER_FIELDS)[number];

/**
 * Fields WeCom may withhold (the export's list, OFFICIAL 96260 / UNCONFIRMED for the export): absent from an exported
 * member means "unknown", never "empty".
 */
export const WITHHELD_FIELDS: ReadonlySet<string> = new Set<string>(WITHHELD_MEMBER_FIELDS);

/** The template's column names, beside the camelCase fields (for people): the import templates' own headers. */
export const MEMBER_FIELD_LABELS: Readonly<Record<string, string>> = MEMBER_CSV_HEADERS;

/** The department template's column names. */
export const DEPARTMENT_FIELD_LABELS: Readonly<Record<string, string>> = DEPARTMENT_CSV_HEADERS;

/** The label of a member field (`extAttrs.<name>` is labelled by the attribute's own name). */
export function memberLabel(field: string): string {
  return field.startsWith('extAttrs.') ? `扩展属性 ${field.slice(9)}` : (MEMBER_FIELD_LABELS[field] ?? field);
}

/** A validated desired department row, as compared. */
export function fromDesiredDepartment(row: DepartmentRow): ComparableDepartment {
  const department: ComparableDepartment = { id: row.id, parentId: row.parentId, name: row.name };
  if (row.order !== undefined && row.order !== null) department.order = row.order;
  return department;
}

/**
 * An exported member as compared. The export's rows already use MemberRow's vocabulary, so such a row is used as it
 * is; other spellings are tolerated (and copied): `department` for `departments`, gender `'1'`/`'2'`, `status` 2 for
 * disabled, `is_leader_in_dept`. Fields WeCom left out stay absent. Undefined when the row has no userid.
 */
export function fromExportedMember(input: unknown): ComparableMember | undefined {
  const row = (input ?? {}) as Record<string, unknown>;
  if (typeof row.userid !== 'string' || row.userid === '') return undefined;
  if (
    Array.isArray(row.departments) &&
    row.is_leader_in_dept === undefined &&
    (row.disabled !== undefined || row.status === undefined)
  ) {
    return row as unknown as ComparableMember;
  }
  const departments = numberList(row.departments ?? row.department) ?? [];
  const member: ComparableMember = { userid: row.userid, departments };
  for (const field of ['name', 'mobile', 'email', 'position', 'alias', 'address', 'telephone'] as const) {
    const value = row[field];
    // WeCom answers '' for an empty field it does give; absent (or null) means it did not give the field.
    if (typeof value === 'string') member[field] = value;
  }
  const gender = genderOf(row.gender);
  if (gender) member.gender = gender;
  if (typeof row.disabled === 'boolean') member.disabled = row.disabled;
  else if (typeof row.status === 'number') member.disabled = row.status === 2;
  const leaders = row.isLeaderInDept ?? row.is_leader_in_dept;
  if (Array.isArray(leaders)) member.isLeaderInDept = leaders.map((flag) => flag === true || flag === 1);
  const order = numberList(row.order);
  if (order) member.order = order;
  if (row.extAttrs && typeof row.extAttrs === 'object') {
    member.extAttrs = Object.fromEntries(
      Object.entries(row.extAttrs as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')]),
    );
  }
  return member;
}

/** An exported department (`parentId`, or WeCom's `parentid`). Undefined without a numeric id. */
export function fromExportedDepartment(input: unknown): ComparableDepartment | undefined {
  const row = (input ?? {}) as Record<string, unknown>;
  if (typeof row.id !== 'number') return undefined;
  const parent = row.parentId ?? row.parentid;
  const department: ComparableDepartment = { id: row.id, parentId: typeof parent === 'number' ? parent : 0 };
  if (typeof row.name === 'string') department.name = row.name;
  if (typeof row.order === 'number') department.order = row.order;
  return department;
}

/** Gender in MemberRow's words; undefined for unknown / 0 / absent. */
export function genderOf(value: unknown): 'male' | 'female' | undefined {
  if (value === 'male' || value === 1 || value === '1' || value === '男') return 'male';
  if (value === 'female' || value === 2 || value === '2' || value === '女') return 'female';
  return undefined;
}

function numberList(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map(Number).filter((n) => Number.isFinite(n));
}
