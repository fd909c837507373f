import { describe, expect, it } from '@jest/globals';
import { WeComRowValidationError, type WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { buildMemberCsv, writeMemberCsv } from './member-csv.writer.js';

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

/** A valid member with some fields replaced. */
const base = (over: Record<string, unknown> = {}): MemberRow =>
  ({ userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [1], ...over }) as MemberRow;

describe('WeComRowValidationError from buildMemberCsv', () => {
  const rows = Array.from({ length: 30 }, (_, i) =>
    base({ userid: `u${i}`, mobile: '13912345678', email: `secret.person${i}@example.com`, telephone: 'bad' }),
  );

  it('lists every problem, sorted by row, and summarises the first ten in its message', async () => {
    const error = await buildMemberCsv(rows).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeComRowValidationError);
    const e = error as WeComRowValidationError;
    // 30 bad telephones + 29 repeated mobiles
    expect(e.problems).toHaveLength(59);
    expect(e.rowCount).toBe(30);
    expect(e.invalidRowCount).toBe(30);
    expect(e.problems.map((p: WeComRowProblem) => p.row)).toEqual(
      [...e.problems.map((p) => p.row)].sort((a, b) => a - b),
    );
    expect(e.message).toMatch(/^Invalid member rows: 59 problems in 30 of 30 rows; nothing was uploaded\./);
    expect(e.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(10);
    expect(e.message).toContain('… and 49 more');
  });

  it('never carries the personal data it complains about', async () => {
    const e = (await buildMemberCsv(rows).catch((x: unknown) => x)) as WeComRowValidationError;
    const text = e.message + JSON.stringify(e.problems);
    expect(text).not.toContain('13912345678');
    expect(text).not.toContain('secret.person');
  });
});
