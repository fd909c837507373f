import type { WithholdableExportField } from './simulator-export.types.js';
import type { SimulatedDepartment, SimulatedMember } from './simulator.types.js';

/** Members by position, read lazily: an array of the directory's (immutable) member objects, or a generator. */
export interface MemberSource {
  readonly size: number;
  at(index: number): SimulatedMember;
}

/** What an export job reads, captured when it is submitted (later imports do not change a running export). */
export type ExportSource =
  | {
      kind: 'export_user' | 'export_simple_user';
      members: MemberSource;
      withheld: ReadonlySet<WithholdableExportField>;
    }
  | { kind: 'export_department'; departments: readonly SimulatedDepartment[] }
  | {
      kind: 'export_taguser';
      tagname: string;
      users: ReadonlyArray<{ userid: string; name: string }>;
      parties: number[];
    };

/** Records of a source (members, departments, or for a tag its members followed by its departments). */
export function sourceSize(source: ExportSource): number {
  switch (source.kind) {
    case 'export_department':
      return source.departments.length;
    case 'export_taguser':
      return source.users.length + source.parties.length;
    default:
      return source.members.size;
  }
}

/** Characters of JSON gathered before a piece of a document is handed on (bounded memory per file). */
const PIECE_CHARS = 64 * 1024;

/**
 * The plaintext of the file holding records [start, end) of `source`, in pieces: a complete JSON document of
 * the §4 shape (`{"userlist":[…]}`, `{"department":[…]}`, `{"tagname","userlist","partylist"}`), built record by
 * record, so a 1,000,000-member block never exists as one string. Callers may pause between pieces.
 */
export function* documentPieces(source: ExportSource, start: number, end: number): Generator<string> {
  if (source.kind === 'export_taguser') {
    const users = source.users.slice(Math.min(start, source.users.length), Math.min(end, source.users.length));
    const first = Math.max(0, start - source.users.length);
    const parties = source.parties.slice(first, Math.max(first, end - source.users.length));
    yield (
      `{"tagname":${JSON.stringify(source.tagname)},"userlist":${JSON.stringify(users)},` +
      `"partylist":${JSON.stringify(parties)}}`
    );
    return;
  }
  const key = source.kind === 'export_department' ? 'department' : 'userlist';
  let piece = `{"${key}":[`;
  for (let i = start; i < end; i++) {
    if (i > start) piece += ',';
    piece += JSON.stringify(
      source.kind === 'export_department'
        ? departmentRecord(source.departments[i])
        : source.kind === 'export_simple_user'
          ? simpleUserRecord(source.members.at(i))
          : userRecord(source.members.at(i), source.withheld),
    );
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  yield `${piece}]}`;
}

/** `export/department` element, as department/list (department_leader is UNCONFIRMED and left out). */
function departmentRecord(d: SimulatedDepartment): Record<string, unknown> {
  return { id: d.id, name: d.name, name_en: '', parentid: d.parentId, order: d.order };
}

/** `export/simple_user` element, as user/simplelist. */
function simpleUserRecord(m: SimulatedMember): Record<string, unknown> {
  return {
    userid: m.userid,
    name: m.name,
    department: m.departments,
    open_userid: m.openUserid ?? openUserid(m.userid),
  };
}

/**
 * `export/user` element, as user/list: fields the member does not have are `""` (as WeCom answers), fields
 * WeCom withholds from the caller (`withheldFields`) are absent; `gender` is a string ("0" unknown).
 */
function userRecord(m: SimulatedMember, withheld: ReadonlySet<WithholdableExportField>): Record<string, unknown> {
  const record: Record<string, unknown> = {
    userid: m.userid,
    name: m.name,
    department: m.departments,
    order: m.order ?? m.departments.map(() => 0),
    position: m.position ?? '',
    mobile: m.mobile ?? '',
    gender: m.gender ?? '0',
    email: m.email ?? '',
    biz_mail: '',
    is_leader_in_dept: m.isLeaderInDept?.map(Number) ?? m.departments.map(() => 0),
    direct_leader: [],
    avatar: '',
    thumb_avatar: '',
    telephone: m.telephone ?? '',
    alias: m.alias ?? '',
    address: m.address ?? '',
    open_userid: m.openUserid ?? openUserid(m.userid),
    main_department: m.departments[0],
    extattr: {
      attrs: Object.entries(m.extAttrs ?? {}).map(([name, value]) => ({ type: 0, name, text: { value } })),
    },
    // 1 active, 2 disabled (the simulator does not model 4 "not activated" or 5 "left").
    status: m.disabled ? 2 : 1,
    qr_code: '',
    external_position: '',
  };
  for (const field of withheld) {
    delete record[field];
    if (field === 'avatar') delete record.thumb_avatar;
  }
  return record;
}

/** A stable, corp-independent open_userid stand-in (`wo` + 30 hex of two FNV-1a hashes): cheap at 1,000,000 rows. */
export function openUserid(userid: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < userid.length; i++) {
    const c = userid.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `wo${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}${userid.length.toString(16).padStart(14, '0')}`;
}
