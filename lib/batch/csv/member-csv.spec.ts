import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { WeComRowValidationError } from '../../errors/wecom-row-validation.error.js';
import type { MemberRow } from '../rows/member-row.js';
import { readMemberFile, type MemberFileRow } from '../../testing/import-file.js';
import type { MemberCsvField } from './csv-headers.js';
import { buildMemberCsv, writeMemberCsv } from './member-csv.js';

const text = (csv: Buffer) => csv.toString('utf8');
const lines = (csv: Buffer) => text(csv).split('\n');

describe('writeMemberCsv', () => {
  it('writes only the columns the rows use, in template order, with exact headers', () => {
    const csv = writeMemberCsv([
      { userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [1] },
      { userid: 'lisi', name: '李四', email: 'lisi@example.com', departments: [2, 3], alias: 'Li' },
    ]);
    expect(lines(csv)).toEqual([
      '姓名,帐号,手机号,邮箱,所在部门,别名',
      '张三,zhangsan,13800000000,,1,',
      '李四,lisi,,lisi@example.com,2;3,Li',
      '',
    ]);
  });

  it('writes every template column when every field is set, then extended attributes in first-seen order', () => {
    const csv = writeMemberCsv([
      {
        userid: 'a',
        name: 'A',
        mobile: '1',
        email: 'a@example.com',
        departments: [1, 2],
        position: 'P',
        gender: 'male',
        isLeaderInDept: [true, false],
        order: [10, 0],
        alias: 'AA',
        address: 'addr',
        telephone: '0755-1',
        disabled: true,
        extAttrs: { 年龄: '30' },
      },
      {
        userid: 'b',
        name: 'B',
        mobile: '2',
        departments: [3],
        gender: 2,
        disabled: false,
        extAttrs: { 工号: '7', 年龄: '' },
      },
      { userid: 'c', name: 'C', mobile: '3', departments: [3], gender: 'female', extAttrs: { 爱好: '读书' } },
      { userid: 'd', name: 'D', mobile: '4', departments: [3], gender: 1 },
    ]);
    expect(lines(csv)).toEqual([
      '姓名,帐号,手机号,邮箱,所在部门,职位,性别,是否部门内领导,排序,别名,地址,座机,禁用,年龄,工号,爱好',
      'A,a,1,a@example.com,1;2,P,男,1;0,10;0,AA,addr,0755-1,1,30,,',
      'B,b,2,,3,,女,,,,,,0,,7,',
      'C,c,3,,3,,女,,,,,,,,,读书',
      'D,d,4,,3,,男,,,,,,,,,',
      '',
    ]);
  });

  it('treats null like an absent field (no column for it)', () => {
    const csv = writeMemberCsv([
      { userid: 'a', name: 'A', mobile: '1', departments: [1], position: null, email: null } as unknown as MemberRow,
    ]);
    expect(lines(csv)[0]).toBe('姓名,帐号,手机号,所在部门');
  });

  it('is UTF-8 without BOM, LF only, ending with a line feed', () => {
    const csv = writeMemberCsv([
      { userid: 'a', name: '甲', mobile: '1', departments: [1] },
      { userid: 'b', name: '乙', mobile: '2', departments: [1] },
    ]);
    expect([...csv.subarray(0, 3)]).toEqual([...Buffer.from('姓', 'utf8')]);
    expect(csv.includes(0x0d)).toBe(false);
    expect(csv[csv.length - 1]).toBe(0x0a);
    expect(Buffer.from(text(csv), 'utf8').equals(csv)).toBe(true);
  });

  it('refuses values that would need quoting, by default, and writes nothing', () => {
    expect(() => writeMemberCsv([{ userid: 'a', name: 'a,b', mobile: '1', departments: [1] }])).toThrow(
      WeComRowValidationError,
    );
  });

  it('quotes them per RFC 4180 with allowCsvQuoting (a lone CR too, so it cannot read as a line end)', () => {
    const csv = writeMemberCsv(
      [
        {
          userid: 'a',
          name: 'Zhang, "San"',
          mobile: '1',
          departments: [1],
          alias: 'a\rb',
          address: 'l1\nl2',
          extAttrs: { 'x,y': 'v' },
        },
      ],
      { allowCsvQuoting: true },
    );
    expect(text(csv)).toBe('姓名,帐号,手机号,所在部门,别名,地址,"x,y"\n"Zhang, ""San""",a,1,1,"a\rb","l1\nl2",v\n');
  });

  it('throws WeComRowValidationError with every problem and produces nothing for invalid rows', () => {
    let error: unknown;
    try {
      writeMemberCsv([
        { userid: 'a', name: '', mobile: '1', departments: [1] },
        { userid: 'A', name: 'x', mobile: '2', departments: [] },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeComRowValidationError);
    expect((error as WeComRowValidationError).problems.map((p) => `${p.row}:${p.field}`)).toEqual([
      '0:name',
      '1:departments',
      '1:userid',
    ]);
  });
});

describe('buildMemberCsv', () => {
  const many = (n: number): MemberRow[] =>
    Array.from({ length: n }, (_, i) => ({
      userid: `user${i}`,
      name: `用户${i}`,
      mobile: `138${String(i).padStart(8, '0')}`,
      email: `user${i}@example.com`,
      departments: [1 + (i % 40)],
      position: i % 3 === 0 ? '工程师' : undefined,
    }));

  it('produces the same bytes as writeMemberCsv, with the row count and the columns', async () => {
    const rows = many(3000);
    const result = await buildMemberCsv(rows, { sliceMs: 1 });
    expect(result.csv.equals(writeMemberCsv(rows))).toBe(true);
    expect(result.rows).toBe(3000);
    expect(result.columns).toEqual(['姓名', '帐号', '手机号', '邮箱', '所在部门', '职位']);
  });

  it('reads any iterable once', async () => {
    const rows = many(10);
    let reads = 0;
    const once = {
      *[Symbol.iterator]() {
        reads++;
        yield* rows;
      },
    };
    const result = await buildMemberCsv(once);
    expect(reads).toBe(1);
    expect(result.csv.equals(writeMemberCsv(rows))).toBe(true);
  });

  it('hands the event loop back while it works', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await buildMemberCsv(many(20_000), { sliceMs: 1 });
    running = false;
    expect(ticks).toBeGreaterThan(5);
  });

  it('rejects with every problem of every row, before producing anything', async () => {
    const rows = many(5000);
    rows[10] = { ...rows[10], telephone: 'x' };
    rows[4000] = { ...rows[4000], userid: 'USER10' };
    const error = (await buildMemberCsv(rows, { sliceMs: 1 }).catch((e: unknown) => e)) as WeComRowValidationError;
    expect(error).toBeInstanceOf(WeComRowValidationError);
    expect(error.problems.map((p) => `${p.row}:${p.field}:${p.code}`)).toEqual([
      '10:telephone:301013',
      '4000:userid:302003',
    ]);
  });

  it('refuses to finish when a row was changed, after its check, into something that needs quoting', async () => {
    const rows = many(5000);
    setImmediate(() => {
      rows[0].name = 'changed, with a comma';
    });
    const error = (await buildMemberCsv(rows, { sliceMs: 0 }).catch((e: unknown) => e)) as WeComRowValidationError;
    expect(error).toBeInstanceOf(WeComRowValidationError);
    expect(error.problems).toEqual([expect.objectContaining({ row: 0, field: 'name' })]);
  });
});

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
