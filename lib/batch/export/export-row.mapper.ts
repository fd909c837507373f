import type { ExportJobType } from '../../model/batch-job.types.js';
import type {
  ExportedDepartment,
  ExportedMember,
  ExportedSimpleMember,
  ExportedTagEntry,
  ExportRow,
} from './export-rows.types.js';

/** A row that is not what the export's document announces (the reader reports it as a `json` problem). */
export class ExportRowError extends Error {}

type Raw = Record<string, unknown>;

/** How one export's document is laid out: the JSON paths the streaming parser picks, and each path's mapper. */
export interface ExportDocumentShape {
  /** The array(s) of rows, e.g. `userlist`, and for the tag export also `partylist`. */
  arrays: readonly string[];
  /** Maps one element of `array` (the tag export passes its `tagname` along). */
  map(array: string, element: unknown, tagName: string | undefined): ExportRow;
}

const members = (map: (raw: Raw) => ExportRow): ExportDocumentShape => ({
  arrays: ['userlist'],
  map: (_array, element) => map(asObject(element, 'a userlist element')),
});

/** The document of each export type (§4 of the export protocol). */
export const EXPORT_DOCUMENTS: Record<ExportJobType, ExportDocumentShape> = {
  export_user: members(toExportedMember),
  export_simple_user: members(toSimpleMember),
  export_department: {
    arrays: ['department'],
    map: (_array, element) => toExportedDepartment(asObject(element, 'a department element')),
  },
  export_taguser: {
    arrays: ['userlist', 'partylist'],
    map: (array, element, tagName) => toTagEntry(array, element, tagName),
  },
};

/** `export/simple_user`'s element → {@link ExportedSimpleMember}. */
export function toSimpleMember(raw: Raw): ExportedSimpleMember {
  const row: ExportedSimpleMember = {
    userid: requiredString(raw, 'userid'),
    name: typeof raw.name === 'string' ? raw.name : '',
    departments: intArray(raw.department, 'department') ?? [],
  };
  setText(row, 'openUserid', raw.open_userid);
  return row;
}

/** `export/user`'s element → {@link ExportedMember} (every field WeCom did not send, or withheld, absent). */
export function toExportedMember(raw: Raw): ExportedMember {
  const row: ExportedMember = toSimpleMember(raw);
  const order = intArray(raw.order, 'order');
  if (order) row.order = order;
  setText(row, 'position', raw.position, true);
  setText(row, 'mobile', raw.mobile);
  const gender = String(raw.gender ?? '');
  if (gender === '1') row.gender = 'male';
  else if (gender === '2') row.gender = 'female';
  setText(row, 'email', raw.email);
  setText(row, 'bizMail', raw.biz_mail);
  const leader = intArray(raw.is_leader_in_dept, 'is_leader_in_dept');
  if (leader) row.isLeaderInDept = leader.map((flag) => flag === 1);
  if (Array.isArray(raw.direct_leader)) row.directLeader = raw.direct_leader.map(String);
  setText(row, 'avatar', raw.avatar);
  setText(row, 'thumbAvatar', raw.thumb_avatar);
  setText(row, 'telephone', raw.telephone, true);
  setText(row, 'alias', raw.alias, true);
  setText(row, 'address', raw.address);
  const status = toInt(raw.status);
  if (status !== undefined) {
    row.status = status;
    row.disabled = status === 2;
  }
  const main = toInt(raw.main_department);
  if (main !== undefined) row.mainDepartment = main;
  addExtAttrs(row, raw.extattr);
  setText(row, 'qrCode', raw.qr_code);
  setText(row, 'externalPosition', raw.external_position, true);
  if (isObject(raw.external_profile)) row.externalProfile = raw.external_profile;
  return row;
}

/** `export/department`'s element → {@link ExportedDepartment}. */
export function toExportedDepartment(raw: Raw): ExportedDepartment {
  const id = toInt(raw.id);
  if (id === undefined) throw new ExportRowError('a department element has no integer id');
  const row: ExportedDepartment = {
    id,
    name: typeof raw.name === 'string' ? raw.name : '',
    parentId: toInt(raw.parentid) ?? 0,
  };
  const order = toInt(raw.order);
  if (order !== undefined) row.order = order;
  setText(row, 'nameEn', raw.name_en, true);
  if (Array.isArray(raw.department_leader)) row.departmentLeaders = raw.department_leader.map(String);
  return row;
}

function toTagEntry(array: string, element: unknown, tagName: string | undefined): ExportedTagEntry {
  const named = tagName === undefined ? {} : { tagName };
  if (array === 'partylist') {
    const departmentId = toInt(element);
    if (departmentId === undefined) throw new ExportRowError('a partylist element is not an integer');
    return { kind: 'department', ...named, departmentId };
  }
  const raw = asObject(element, 'a userlist element');
  const entry: ExportedTagEntry = { kind: 'user', ...named, userid: requiredString(raw, 'userid') };
  if (typeof raw.name === 'string' && raw.name !== '') entry.name = raw.name;
  return entry;
}

function addExtAttrs(row: ExportedMember, extattr: unknown): void {
  const attrs = isObject(extattr) && Array.isArray(extattr.attrs) ? extattr.attrs : undefined;
  if (!attrs) return;
  for (const attr of attrs) {
    if (!isObject(attr) || typeof attr.name !== 'string') continue;
    const type = toInt(attr.type) ?? 0;
    if (type === 1 && isObject(attr.web)) {
      const url = typeof attr.web.url === 'string' ? attr.web.url : '';
      const title = typeof attr.web.title === 'string' ? attr.web.title : '';
      (row.extAttrLinks ??= {})[attr.name] = { url, title };
    } else if (type === 0) {
      // Older payloads put the text in `value` directly; the documented form is `text.value`.
      const text = isObject(attr.text) ? attr.text.value : attr.value;
      if (typeof text === 'string') (row.extAttrs ??= {})[attr.name] = text;
    }
  }
}

/**
 * Sets `row[field]` from a text value. `keepEmpty` fields (position, alias…) are never withheld, so their `''`
 * is a real empty value and kept; for the others `''` means "unknown" and the field stays absent.
 */
function setText<T extends object>(row: T, field: keyof T & string, value: unknown, keepEmpty = false): void {
  if (typeof value !== 'string') return;
  if (value === '' && !keepEmpty) return;
  (row as Record<string, unknown>)[field] = value;
}

function requiredString(raw: Raw, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '') throw new ExportRowError(`an element has no ${field}`);
  return value;
}

function intArray(value: unknown, field: string): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new ExportRowError(`${field} is not an array`);
  return value.map((item) => {
    const n = toInt(item);
    if (n === undefined) throw new ExportRowError(`${field} has an element that is not an integer`);
    return n;
  });
}

/** An integer from a number or a numeric string (WeCom sends both); undefined otherwise. */
function toInt(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown, what: string): Raw {
  if (!isObject(value)) throw new ExportRowError(`${what} is not an object`);
  return value;
}
