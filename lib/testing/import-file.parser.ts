import { parse as parseStream } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { TEMPLATE_NOTE_HEADER_PREFIX } from '../batch/template/member-template.columns.js';
import { TimeSlicer, drive } from './time-slice.util.js';

/** Member fields a header maps to (§5.2 of the spec); anything else is an extended-attribute candidate. */
export type MemberField =
  | 'name'
  | 'userid'
  | 'mobile'
  | 'email'
  | 'departments'
  | 'position'
  | 'gender'
  | 'isLeaderInDept'
  | 'order'
  | 'alias'
  | 'address'
  | 'telephone'
  | 'disabled';

const MEMBER_HEADERS: Readonly<Record<string, MemberField>> = {
  姓名: 'name',
  帐号: 'userid',
  账号: 'userid',
  手机号: 'mobile',
  邮箱: 'email',
  所在部门: 'departments',
  职位: 'position',
  性别: 'gender',
  是否部门内领导: 'isLeaderInDept',
  排序: 'order',
  别名: 'alias',
  地址: 'address',
  座机: 'telephone',
  禁用: 'disabled',
};

/** The template's explanatory column (`禁用项说明：(0-启用;1-禁用)`), which carries no data. */
const NOTE_HEADER = new RegExp(`^${TEMPLATE_NOTE_HEADER_PREFIX}`);

/** One data row of a member file: only the columns the file has are present in `cells`. */
export interface MemberFileRow {
  cells: Partial<Record<MemberField, string>>;
  /** Cells of unknown columns, by header (extended-attribute candidates). */
  extra: Record<string, string>;
}

/** One data row of a department file, cells as written (validated later, row by row). */
export interface PartyFileRow {
  name: string;
  id: string;
  parentId: string;
  order?: string;
}

/** A file rejected as a whole at submission: 40092 导入文件存在不合法的内容. */
export class InvalidImportFile {
  constructor(readonly reason: string) {}
}

/** csv-parse settings of import files: RFC 4180 quotes, CRLF / LF / CR line ends (even mixed), blank lines skipped. */
const CSV_OPTIONS = {
  bom: true,
  relax_column_count: true,
  // WeCom's parser is not documented to be strict about a stray quote inside an unquoted cell.
  relax_quotes: true,
  skip_empty_lines: true,
  record_delimiter: ['\r\n', '\n', '\r'],
};

/** Characters handed to the streaming parser at a time (a slice of work: a few ms). */
const CSV_PIECE = 16 * 1024;

function decode(bytes: Buffer): string | InvalidImportFile {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new InvalidImportFile('the file is not UTF-8');
  }
}

/**
 * Decodes and parses an import CSV: UTF-8 (a leading BOM tolerated), RFC 4180 quotes, CRLF / LF / CR line
 * ends (even mixed), blank lines skipped, short rows padded with empty cells.
 */
function readCsv(bytes: Buffer): string[][] | InvalidImportFile {
  const text = decode(bytes);
  if (text instanceof InvalidImportFile) return text;
  try {
    return parse(text, CSV_OPTIONS) as string[][];
  } catch (error) {
    return new InvalidImportFile(`the file is not valid CSV (${(error as Error).message})`);
  }
}

/** `readCsv` in time slices (a 20 MB file must not hold the event loop): the streaming parser, fed piece by piece. */
async function readCsvSliced(bytes: Buffer): Promise<string[][] | InvalidImportFile> {
  const text = decode(bytes);
  if (text instanceof InvalidImportFile) return text;
  const parser = parseStream(CSV_OPTIONS);
  const records: string[][] = [];
  let failure: Error | undefined;
  parser.on('error', (error: Error) => (failure ??= error));
  const collect = (): void => {
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read() as string[] | null) {
      records.push(record);
    }
  };
  const slicer = new TimeSlicer(undefined, 1);
  for (let at = 0; at < text.length && !failure; at += CSV_PIECE) {
    parser.write(text.slice(at, at + CSV_PIECE));
    collect();
    await slicer.tick();
  }
  const ended = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('error', () => resolve());
  });
  parser.on('readable', collect);
  parser.end();
  if (!failure) await ended;
  collect();
  if (failure) return new InvalidImportFile(`the file is not valid CSV (${failure.message})`);
  return records;
}

function headerIndex(header: string[]): Map<string, number> | InvalidImportFile {
  const index = new Map<string, number>();
  for (const [i, raw] of header.entries()) {
    const name = raw.trim();
    if (name === '') continue;
    if (index.has(name)) return new InvalidImportFile(`duplicate column ${name}`);
    index.set(name, i);
  }
  return index;
}

/** Reads a member file (syncuser / replaceuser) by header name. */
export function readMemberFile(bytes: Buffer): MemberFileRow[] | InvalidImportFile {
  const records = readCsv(bytes);
  return records instanceof InvalidImportFile ? records : drive(memberRows(records), false);
}

/** `readMemberFile` in time slices, for files of hundreds of thousands of rows. */
export async function readMemberFileSliced(bytes: Buffer): Promise<MemberFileRow[] | InvalidImportFile> {
  const records = await readCsvSliced(bytes);
  return records instanceof InvalidImportFile ? records : drive(memberRows(records), true);
}

/** `readPartyFile` in time slices. */
export async function readPartyFileSliced(bytes: Buffer): Promise<PartyFileRow[] | InvalidImportFile> {
  const records = await readCsvSliced(bytes);
  return records instanceof InvalidImportFile ? records : drive(partyRows(records), true);
}

/** The rows that are not blank (cells all empty or spaces). */
function* dataRecords(all: string[][]): Generator<void, string[][]> {
  const records: string[][] = [];
  for (const record of all) {
    if (record.some((cell) => cell.trim() !== '')) records.push(record);
    yield;
  }
  return records;
}

function* memberRows(all: string[][]): Generator<void, MemberFileRow[] | InvalidImportFile> {
  const records = yield* dataRecords(all);
  if (records.length < 2) return new InvalidImportFile('the file has no data rows');
  const index = headerIndex(records[0]);
  if (index instanceof InvalidImportFile) return index;

  const fields = new Map<MemberField, number>();
  const extra = new Map<string, number>();
  for (const [name, i] of index) {
    const field = MEMBER_HEADERS[name];
    if (field) {
      if (fields.has(field)) return new InvalidImportFile(`duplicate column ${name}`);
      fields.set(field, i);
    } else if (!NOTE_HEADER.test(name)) {
      extra.set(name, i);
    }
  }
  const missing = (['name', 'userid', 'departments'] as const).filter((field) => !fields.has(field));
  if (missing.length) return new InvalidImportFile(`missing required column(s): ${missing.join(', ')}`);
  if (!fields.has('mobile') && !fields.has('email')) {
    return new InvalidImportFile('the file needs a 手机号 or 邮箱 column');
  }

  const rows: MemberFileRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const record = records[r];
    const cells: MemberFileRow['cells'] = {};
    for (const [field, i] of fields) cells[field] = (record[i] ?? '').trim();
    const extraCells: Record<string, string> = {};
    for (const [name, i] of extra) extraCells[name] = (record[i] ?? '').trim();
    rows.push({ cells, extra: extraCells });
    yield;
  }
  return rows;
}

/** Reads a department file (replaceparty) by header name: 部门名称, 部门ID, 父部门ID required; 排序 optional. */
export function readPartyFile(bytes: Buffer): PartyFileRow[] | InvalidImportFile {
  const records = readCsv(bytes);
  return records instanceof InvalidImportFile ? records : drive(partyRows(records), false);
}

function* partyRows(all: string[][]): Generator<void, PartyFileRow[] | InvalidImportFile> {
  const records = yield* dataRecords(all);
  if (records.length < 2) return new InvalidImportFile('the file has no data rows');
  const index = headerIndex(records[0]);
  if (index instanceof InvalidImportFile) return index;
  const name = index.get('部门名称');
  const id = index.get('部门ID');
  const parentId = index.get('父部门ID');
  const order = index.get('排序');
  if (name === undefined || id === undefined || parentId === undefined) {
    return new InvalidImportFile('missing required column(s) 部门名称, 部门ID, 父部门ID');
  }
  return records.slice(1).map((record) => ({
    name: (record[name] ?? '').trim(),
    id: (record[id] ?? '').trim(),
    parentId: (record[parentId] ?? '').trim(),
    order: order === undefined ? undefined : (record[order] ?? '').trim(),
  }));
}
