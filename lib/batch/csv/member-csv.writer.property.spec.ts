import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import type { MemberRow } from '../rows/member-row.dto.js';
import { readMemberFile, type MemberFileRow } from '../../testing/import-file.parser.js';
import type { MemberCsvField } from '../template/member-template.columns.js';
import { writeMemberCsv } from './member-csv.writer.js';

const text = (csv: Buffer) => csv.toString('utf8');

// --- The round trip: any valid rows → CSV → csv-parse → the same values, by header name. ---

/** Trimmed text without the characters that need quoting (strict mode) or with them (quoting mode). */
const textArb = (quoting: boolean, min: number, max: number) =>
  fc
    .string({
      minLength: min,
      maxLength: max,
      unit: quoting
        ? fc.oneof(
            fc.constantFrom(',', '"', '\n', '\r', '\r\n', ';', ' '),
            fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
          )
        : fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/[,"\r\n]/.test(c)),
    })
    .filter((s) => [...s].length >= min && [...s].length <= max && s.trim() === s);

const memberRowArb = (quoting: boolean): fc.Arbitrary<MemberRow> =>
  fc
    .record(
      {
        userid: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,30}$/),
        name: textArb(quoting, 1, 20),
        mobile: fc.stringMatching(/^[0-9+-]{1,32}$/),
        email: fc
          .tuple(fc.stringMatching(/^[a-z0-9._+-]{1,20}$/), fc.stringMatching(/^[a-z0-9]{1,10}$/))
          .map(([local, host]) => `${local}@${host}.example.com`),
        departments: fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 20 }),
        position: textArb(quoting, 0, 30),
        gender: fc.constantFrom('male' as const, 'female' as const, 1 as const, 2 as const),
        leaders: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        orders: fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 20, maxLength: 20 }),
        alias: textArb(quoting, 1, 20),
        address: textArb(quoting, 0, 40),
        telephone: fc.stringMatching(/^[0-9-]{1,32}$/),
        disabled: fc.boolean(),
        extAttrs: fc.dictionary(fc.constantFrom('年龄', '工号', 'English Name', '爱好'), textArb(quoting, 0, 10), {
          maxKeys: 3,
        }),
      },
      { requiredKeys: ['userid', 'name', 'departments', 'leaders', 'orders'] },
    )
    .map(({ leaders, orders, ...r }) => {
      const row = { ...r } as MemberRow & Record<string, unknown>;
      if (row.mobile === undefined && row.email === undefined) row.mobile = '1';
      // Aligned lists take one entry per department; use them on some rows only.
      if (r.departments.length % 2 === 0) {
        row.isLeaderInDept = leaders.slice(0, r.departments.length);
        row.order = orders.slice(0, r.departments.length);
      }
      return row;
    });

/** Keeps the first row of each userid/mobile/email (they must be unique in a file). */
function uniqueRows(rows: MemberRow[]): MemberRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const keys = [`u:${r.userid.toLowerCase()}`, `m:${r.mobile}`, `e:${r.email?.toLowerCase()}`].filter(
      (k) => !k.endsWith(':undefined'),
    );
    if (keys.some((k) => seen.has(k))) return false;
    keys.forEach((k) => seen.add(k));
    return true;
  });
}

/** What WeCom should read in each column, derived from the template rules (not from the writer's code). */
function expectedCell(row: MemberRow, header: string): string {
  const s = (v: unknown) => (v === undefined ? '' : String(v));
  switch (header) {
    case '姓名':
      return row.name;
    case '帐号':
      return row.userid;
    case '手机号':
      return s(row.mobile);
    case '邮箱':
      return s(row.email);
    case '所在部门':
      return row.departments.join(';');
    case '职位':
      return s(row.position);
    case '性别':
      return row.gender === undefined ? '' : row.gender === 'male' || row.gender === 1 ? '男' : '女';
    case '是否部门内领导':
      return row.isLeaderInDept?.map((b) => (b ? '1' : '0')).join(';') ?? '';
    case '排序':
      return row.order?.join(';') ?? '';
    case '别名':
      return s(row.alias);
    case '地址':
      return s(row.address);
    case '座机':
      return s(row.telephone);
    case '禁用':
      return row.disabled === undefined ? '' : row.disabled ? '1' : '0';
    default:
      return row.extAttrs?.[header] ?? '';
  }
}

const TEMPLATE: [MemberCsvField, string][] = [
  ['name', '姓名'],
  ['userid', '帐号'],
  ['mobile', '手机号'],
  ['email', '邮箱'],
  ['departments', '所在部门'],
  ['position', '职位'],
  ['gender', '性别'],
  ['isLeaderInDept', '是否部门内领导'],
  ['order', '排序'],
  ['alias', '别名'],
  ['address', '地址'],
  ['telephone', '座机'],
  ['disabled', '禁用'],
];

/** A column is present iff some row sets it: template order, then extended attributes in first-seen order. */
function expectedHeaders(rows: MemberRow[]): string[] {
  const standard = TEMPLATE.filter(([field]) => rows.some((r) => r[field] !== undefined)).map(([, h]) => h);
  const ext: string[] = [];
  for (const r of rows) for (const k of Object.keys(r.extAttrs ?? {})) if (!ext.includes(k)) ext.push(k);
  return [...standard, ...ext];
}

describe('round trip through csv-parse and the simulator', () => {
  it.each([false, true])('any valid rows come back with the same values by header (allowCsvQuoting: %p)', (quoting) => {
    fc.assert(
      fc.property(fc.array(memberRowArb(quoting), { minLength: 1, maxLength: 12 }), (generated) => {
        const rows = uniqueRows(generated);
        const csv = writeMemberCsv(rows, { allowCsvQuoting: quoting });
        const records = parse(csv, { columns: true, bom: false }) as Record<string, string>[];
        expect(records).toHaveLength(rows.length);
        const headers = Object.keys(records[0]);
        expect(headers).toEqual(expectedHeaders(rows));
        records.forEach((record, i) => {
          for (const header of headers) expect(record[header]).toBe(expectedCell(rows[i], header));
        });
        if (!quoting) expect(csv.includes('"')).toBe(false);
        // Outside quoted cells there is no CR: line ends are LF only.
        expect(
          text(csv)
            .replace(/"(?:[^"]|"")*"/g, '')
            .includes('\r'),
        ).toBe(false);
        // The size computed while checking is exact: the file was written into one buffer of its own size.
        expect(csv.buffer.byteLength).toBe(csv.length);
        // The simulator's parser (our model of WeCom's) reads the same values, by field.
        const simulated = readMemberFile(csv) as MemberFileRow[];
        expect(simulated).toHaveLength(rows.length);
        simulated.forEach((read, i) => {
          for (const [field, header] of TEMPLATE) {
            if (headers.includes(header)) expect(read.cells[field]).toBe(expectedCell(rows[i], header));
          }
          for (const header of headers.filter((h) => !TEMPLATE.some(([, t]) => t === h))) {
            expect(read.extra[header]).toBe(expectedCell(rows[i], header));
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});
