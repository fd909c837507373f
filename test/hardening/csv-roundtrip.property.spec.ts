import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildDepartmentCsv } from '../../lib/batch/csv/department-csv.writer.js';
import { buildMemberCsv } from '../../lib/batch/csv/member-csv.writer.js';
import { DEPARTMENT_CSV_HEADERS } from '../../lib/batch/template/department-template.columns.js';
import { MEMBER_CSV_HEADERS, RESERVED_MEMBER_HEADERS } from '../../lib/batch/template/member-template.columns.js';
import type { DepartmentRow } from '../../lib/batch/rows/department-row.dto.js';
import type { MemberRow } from '../../lib/batch/rows/member-row.dto.js';
import { validateDepartmentRows, validateMemberRows } from '../../lib/batch/rows/validate-rows.util.js';
import { InvalidImportFile, readMemberFile, readPartyFile } from '../../lib/testing/import-file.parser.js';

// Any valid rows, written by the module's CSV builders, read back by the simulator's own import-file parser
// (lib/testing/import-file.parser.ts: csv-parse, header names → fields, as WeCom matches columns by header text) give
// the same values, column by column — in strict mode (no quoting) and with allowCsvQuoting.

/** Characters that make text interesting: CJK, astral (surrogate pairs), combining marks, BOM, NUL, separators. */
const SPICE = [
  '中',
  '文',
  '𠮷',
  '😀',
  'é',
  '\u0301',
  '\uFEFF',
  '\u0000',
  '\u2028',
  '\t',
  ' ',
  ';',
  "'",
  '=',
  '\\',
  '|',
];
/** What needs RFC 4180 quoting: only generated with allowCsvQuoting. */
const QUOTED = [',', '"', '\r', '\n', '\r\n'];

/** Text of `min`–`max` code points, no surrounding whitespace (the rules refuse it rather than trim it). */
function text(min: number, max: number, quoting: boolean): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 3, arbitrary: fc.constantFrom(...SPICE) },
    { weight: quoting ? 2 : 0, arbitrary: fc.constantFrom(...QUOTED) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  );
  return fc
    .array(unit, { minLength: min, maxLength: max })
    .map((units) => units.join(''))
    .filter((s) => codePoints(s) >= min && codePoints(s) <= max && s.trim() === s)
    .filter((s) => quoting || !/[,"\r\n]/.test(s));
}

function codePoints(s: string): number {
  return [...s].length;
}

const userid = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$/);
const mobile = fc.stringMatching(/^[0-9+-]{1,32}$/);
const label = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,8}[A-Za-z0-9])?$/);
const email = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,20}$/), fc.array(label, { minLength: 2, maxLength: 3 }))
  .map(([local, labels]) => `${local}@${labels.join('.')}`)
  .filter((e) => e.length >= 6 && e.length <= 64);
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
/** Extended-attribute names: not a template header, no surrounding spaces. */
const attrName = (quoting: boolean) =>
  fc
    .oneof(text(1, 12, quoting), fc.constantFrom('年龄', '工号', 'Employee ID', '入职日期'))
    .filter((n) => !RESERVED_MEMBER_HEADERS.has(n));

/** One valid member, every optional field maybe present; `mobile`/`email` uniqueness is arranged by the caller. */
function member(quoting: boolean): fc.Arbitrary<Omit<MemberRow, 'userid' | 'mobile' | 'email'>> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: 0xffff_ffff }), { minLength: 1, maxLength: 20 })
    .chain((departments) =>
      fc.record(
        {
          name: text(1, 64, quoting),
          departments: fc.constant(departments),
          position: text(0, 128, quoting),
          gender: fc.constantFrom('male' as const, 'female' as const, 1 as const, 2 as const),
          isLeaderInDept: fc.array(fc.boolean(), { minLength: departments.length, maxLength: departments.length }),
          order: fc.array(uint32, { minLength: departments.length, maxLength: departments.length }),
          alias: text(1, 64, quoting),
          address: text(0, 128, quoting),
          telephone: fc.stringMatching(/^[0-9-]{1,32}$/),
          disabled: fc.boolean(),
          extAttrs: fc.dictionary(attrName(quoting), text(0, 20, quoting), { maxKeys: 3 }),
        },
        { requiredKeys: ['name', 'departments'] },
      ),
    );
}

/** 1–12 valid members with unique userids (ignoring case), mobiles and e-mails, each with a mobile or an e-mail. */
function members(quoting: boolean): fc.Arbitrary<MemberRow[]> {
  return fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc
      .tuple(
        fc.uniqueArray(userid, { minLength: n, maxLength: n, selector: (u) => u.toLowerCase() }),
        fc.uniqueArray(mobile, { minLength: n, maxLength: n }),
        fc.uniqueArray(email, { minLength: n, maxLength: n, selector: (e) => e.toLowerCase() }),
        fc.array(fc.constantFrom('mobile', 'email', 'both'), { minLength: n, maxLength: n }),
        fc.array(member(quoting), { minLength: n, maxLength: n }),
      )
      .map(([ids, mobiles, emails, contacts, rest]) =>
        rest.map((r, i) => ({
          ...r,
          userid: ids[i],
          ...(contacts[i] !== 'email' ? { mobile: mobiles[i] } : {}),
          ...(contacts[i] !== 'mobile' ? { email: emails[i] } : {}),
        })),
      ),
  );
}

const GENDER_TEXT = new Map<unknown, string>([
  ['male', '男'],
  [1, '男'],
  ['female', '女'],
  [2, '女'],
]);

/** The cell a member's field must read back as (undefined: the field is not set on this row). */
function expectedCells(row: MemberRow): Partial<Record<keyof typeof MEMBER_CSV_HEADERS, string>> {
  const join = (xs: readonly unknown[] | undefined) => xs?.join(';');
  return {
    name: row.name,
    userid: row.userid,
    mobile: row.mobile,
    email: row.email,
    departments: join(row.departments),
    position: row.position,
    gender: row.gender === undefined ? undefined : GENDER_TEXT.get(row.gender),
    isLeaderInDept: join(row.isLeaderInDept?.map((b) => (b ? 1 : 0))),
    order: join(row.order),
    alias: row.alias,
    address: row.address,
    telephone: row.telephone,
    disabled: row.disabled === undefined ? undefined : row.disabled ? '1' : '0',
  };
}

describe.each([
  ['strict CSV (no quoting)', false],
  ['allowCsvQuoting', true],
])('member rows round-trip through the simulator’s import parser — %s', (_mode, quoting) => {
  it('every field of every row reads back by its header, unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(members(quoting), async (rows) => {
        // The generator only makes valid rows: the module's validation agrees.
        expect(await validateMemberRows(rows, { allowCsvQuoting: quoting })).toEqual([]);
        const { csv } = await buildMemberCsv(rows, { allowCsvQuoting: quoting });
        if (!quoting) expect(csv.includes('"')).toBe(false);
        const parsed = readMemberFile(csv);
        if (parsed instanceof InvalidImportFile) throw new Error(`the simulator refused the file: ${parsed.reason}`);
        expect(parsed).toHaveLength(rows.length);
        const used = new Set(
          rows.flatMap((r) =>
            Object.entries(expectedCells(r))
              .filter(([, v]) => v !== undefined)
              .map(([k]) => k),
          ),
        );
        rows.forEach((row, i) => {
          const want = expectedCells(row);
          for (const field of used) {
            expect([field, parsed[i].cells[field as keyof typeof want]]).toEqual([
              field,
              want[field as keyof typeof want] ?? '',
            ]);
          }
          // Fields no row sets have no column at all (WeCom leaves them untouched).
          expect(Object.keys(parsed[i].cells).sort()).toEqual([...used].sort());
          const attrs = new Set(rows.flatMap((r) => Object.keys(r.extAttrs ?? {})));
          const wantExtra = Object.fromEntries([...attrs].map((name) => [name, row.extAttrs?.[name] ?? '']));
          expect(parsed[i].extra).toEqual(wantExtra);
        });
      }),
      { numRuns: 150 },
    );
  });
});

/** A valid tree: unique ids, each parent the root or an earlier row, unique names among siblings, ≤ 15 levels. */
function departments(quoting: boolean): fc.Arbitrary<DepartmentRow[]> {
  const name = text(1, 32, quoting).filter((n) => Buffer.byteLength(n) <= 64 && !/[\\:*?"<>|\uFF5C]/.test(n));
  return fc.integer({ min: 1, max: 15 }).chain((n) =>
    fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 2, max: 0xffff_ffff }), { minLength: n, maxLength: n }),
        fc.array(fc.nat(), { minLength: n, maxLength: n }),
        fc.array(name, { minLength: n, maxLength: n }),
        fc.array(fc.option(uint32, { nil: undefined }), { minLength: n, maxLength: n }),
        fc.boolean(),
      )
      .map(([ids, parentPicks, names, orders, withRoot]) => {
        const rows: DepartmentRow[] = withRoot ? [{ id: 1, name: '根部门', parentId: 0, order: 0 }] : [];
        const siblings = new Map<number, Set<string>>();
        ids.forEach((id, i) => {
          // The root or one of the departments listed before (so the tree is at most n + 1 levels deep).
          const candidates = [1, ...ids.slice(0, i)];
          const parentId = candidates[parentPicks[i] % candidates.length];
          const taken = siblings.get(parentId) ?? new Set<string>();
          let unique = names[i];
          for (let k = 2; taken.has(unique); k++) unique = `${names[i].slice(0, 28)}${k}`;
          taken.add(unique);
          siblings.set(parentId, taken);
          rows.push({ id, name: unique, parentId, ...(orders[i] === undefined ? {} : { order: orders[i] }) });
        });
        return rows;
      }),
  );
}

describe.each([
  ['strict CSV (no quoting)', false],
  ['allowCsvQuoting', true],
])('department rows round-trip through the simulator’s import parser — %s', (_mode, quoting) => {
  it('部门名称, 部门ID, 父部门ID and 排序 read back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(departments(quoting), async (rows) => {
        expect(await validateDepartmentRows(rows, { allowCsvQuoting: quoting })).toEqual([]);
        const { csv, columns } = await buildDepartmentCsv(rows, { allowCsvQuoting: quoting });
        expect(columns.slice(0, 3)).toEqual([
          DEPARTMENT_CSV_HEADERS.name,
          DEPARTMENT_CSV_HEADERS.id,
          DEPARTMENT_CSV_HEADERS.parentId,
        ]);
        const parsed = readPartyFile(csv);
        if (parsed instanceof InvalidImportFile) throw new Error(`the simulator refused the file: ${parsed.reason}`);
        const hasOrder = columns.includes(DEPARTMENT_CSV_HEADERS.order);
        expect(parsed).toEqual(
          rows.map((r) => ({
            name: r.name,
            id: String(r.id),
            parentId: String(r.parentId),
            order: hasOrder ? (r.order === undefined ? '' : String(r.order)) : undefined,
          })),
        );
      }),
      { numRuns: 150 },
    );
  });
});
