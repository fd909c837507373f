import { describe, expect, it } from '@jest/globals';
import { IsIn } from 'class-validator';
import { MemberRow } from './member-row.dto.js';
import { validateMemberRows, type RowCheckOptions } from './validate-rows.util.js';

const base = (over: Record<string, unknown> = {}): MemberRow =>
  ({ userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [1], ...over }) as MemberRow;

/** `row:field:code` of every problem, for compact assertions. */
async function found(rows: unknown[], options?: RowCheckOptions): Promise<string[]> {
  const problems = await validateMemberRows(rows as MemberRow[], options);
  return problems.map((p) => `${p.row}:${p.field}:${p.code ?? '-'}`);
}

/** Problems of a single row built from `base()` with `over` applied. */
const one = (over: Record<string, unknown>, options?: RowCheckOptions) => found([base(over)], options);

describe('MemberRow rules', () => {
  it('accepts a row that uses every column', async () => {
    const full: MemberRow = {
      userid: 'Zhang.San-01_@corp',
      name: '张三',
      mobile: '+86-13800000000',
      email: 'zhang.san@example.com',
      departments: [1, 2, 4294967295],
      position: '工程师',
      gender: 'male',
      isLeaderInDept: [true, false, false],
      order: [0, 10, 4294967295],
      alias: 'San',
      address: '广东省深圳市南山区',
      telephone: '0755-1234567',
      disabled: false,
      extAttrs: { 年龄: '30', 工号: '' },
    };
    expect(await found([full])).toEqual([]);
  });

  it.each([
    ['', '0:userid:40003'],
    ['-abc', '0:userid:40003'],
    ['a b', '0:userid:40003'],
    ['张三', '0:userid:40003'],
    ['a'.repeat(65), '0:userid:40003'],
    [42, '0:userid:40003'],
    [undefined, '0:userid:40092'],
  ])('userid %p is refused', async (userid, problem) => {
    expect(await one({ userid })).toContain(problem);
  });

  it('userid: 64 ASCII characters starting with a digit are fine', async () => {
    expect(await one({ userid: '9' + 'a'.repeat(63) })).toEqual([]);
  });

  it('name: 1–64 characters, counted as characters (CJK and emoji are one each), required', async () => {
    expect(await one({ name: '张'.repeat(64) })).toEqual([]);
    expect(await one({ name: '😀'.repeat(64) })).toEqual([]);
    expect(await one({ name: '张'.repeat(65) })).toEqual(['0:name:60112']);
    expect(await one({ name: '' })).toEqual(['0:name:60112']);
    expect(await one({ name: undefined })).toEqual(['0:name:40092']);
  });

  it('mobile: at most 32 of digits, + and -', async () => {
    expect(await one({ mobile: '1'.repeat(32) })).toEqual([]);
    expect(await one({ mobile: '1'.repeat(33) })).toEqual(['0:mobile:60103']);
    expect(await one({ mobile: '138 0000 0000' })).toEqual(['0:mobile:60103']);
    expect(await one({ mobile: '' })).toEqual(['0:mobile:60103']);
  });

  it('email: a valid address of 6–64 bytes', async () => {
    const withEmail = (email: unknown) => one({ mobile: undefined, email });
    expect(await withEmail('Zhang.San+x@Mail.Example.com')).toEqual([]);
    expect(await withEmail('a@b.c')).toEqual(['0:email:60105']); // 5 bytes
    expect(await withEmail('not-an-email')).toEqual(['0:email:60105']);
    expect(await withEmail('a@localhost')).toEqual(['0:email:60105']);
    expect(await withEmail(`${'a'.repeat(53)}@example.com`)).toEqual(['0:email:60105']); // 65 bytes
    expect(await withEmail('"a b"@example.com')).toContain('0:email:60105');
  });

  it('mobile or email is required (60129); either one alone is enough; null counts as absent', async () => {
    expect(await one({ mobile: undefined })).toEqual(['0:mobile:60129']);
    expect(await one({ mobile: null, email: null })).toEqual(['0:mobile:60129']);
    expect(await one({ mobile: null, email: 'a@example.com' })).toEqual([]);
  });

  it('departments: 1–20 distinct ids in [1, 2^32), required', async () => {
    expect(await one({ departments: Array.from({ length: 20 }, (_, i) => i + 1) })).toEqual([]);
    expect(await one({ departments: Array.from({ length: 21 }, (_, i) => i + 1) })).toEqual(['0:departments:60110']);
    expect(await one({ departments: [] })).toEqual(['0:departments:60127']);
    expect(await one({ departments: undefined })).toEqual(['0:departments:60127']);
    expect(await one({ departments: '1;2' })).toEqual(['0:departments:-']);
    expect(await one({ departments: [1, 0, 2 ** 32, 1.5, '3', 1] })).toEqual([
      '0:departments[1]:60123',
      '0:departments[2]:60123',
      '0:departments[3]:60123',
      '0:departments[4]:60123',
      '0:departments[5]:-',
    ]);
  });

  it('isLeaderInDept and order: one entry per department (60132), each of the right type', async () => {
    expect(await one({ departments: [1, 2], isLeaderInDept: [true, false], order: [0, 4294967295] })).toEqual([]);
    expect(await one({ departments: [1, 2], isLeaderInDept: [true] })).toEqual(['0:isLeaderInDept:60132']);
    expect(await one({ departments: [1, 2], order: [1, 2, 3] })).toEqual(['0:order:60132']);
    expect(await one({ departments: [1, 2], isLeaderInDept: [true, 1] })).toEqual(['0:isLeaderInDept[1]:-']);
    expect(await one({ departments: [1, 2], order: [-1, 2 ** 32] })).toEqual(['0:order[0]:-', '0:order[1]:-']);
    expect(await one({ order: 5 })).toEqual(['0:order:-']);
  });

  it('position ≤128, alias 1–64, address ≤128 characters; telephone 1–32 of digits and -', async () => {
    expect(await one({ position: '', address: '', alias: 'a' })).toEqual([]);
    expect(await one({ position: 'x'.repeat(129) })).toEqual(['0:position:301012']);
    expect(await one({ alias: '' })).toEqual(['0:alias:-']);
    expect(await one({ alias: 'x'.repeat(65) })).toEqual(['0:alias:-']);
    expect(await one({ address: 'x'.repeat(129) })).toEqual(['0:address:-']);
    expect(await one({ telephone: '0755-1234' })).toEqual([]);
    expect(await one({ telephone: '0755 1234' })).toEqual(['0:telephone:301013']);
    expect(await one({ telephone: '1'.repeat(33) })).toEqual(['0:telephone:301013']);
  });

  it("gender: 'male' | 'female' | 1 | 2; disabled: a boolean", async () => {
    for (const gender of ['male', 'female', 1, 2]) expect(await one({ gender })).toEqual([]);
    expect(await one({ gender: 'm' })).toEqual(['0:gender:-']);
    expect(await one({ gender: '男' })).toEqual(['0:gender:-']);
    expect(await one({ disabled: 1 })).toEqual(['0:disabled:-']);
  });

  it('extAttrs: names are not template headers, not blank-padded; values are strings', async () => {
    expect(await one({ extAttrs: { 帐号: 'x', 账号: 'x', ' 年龄': '1', '': 'x', 工号: 7, 爱好: '读书' } })).toEqual([
      '0:extAttrs.帐号:-',
      '0:extAttrs.账号:-',
      '0:extAttrs. 年龄:-',
      '0:extAttrs.:-',
      '0:extAttrs.工号:-',
    ]);
    expect(await one({ extAttrs: ['a'] })).toEqual(['0:extAttrs:-']);
    // WeCom's importer takes any header starting like the template's note column for that column.
    expect(await one({ extAttrs: { 禁用项说明x: 'y' } })).toEqual(['0:extAttrs.禁用项说明x:-']);
  });

  it('refuses text that would change in UTF-8 (an unpaired surrogate) instead of uploading U+FFFD', async () => {
    expect(await one({ name: 'ab\uD800' })).toEqual(['0:name:-']);
    expect(await one({ extAttrs: { 年龄: '\uDC00' } })).toEqual(['0:extAttrs.年龄:-']);
  });

  it('refuses surrounding whitespace instead of trimming it (the import may drop it)', async () => {
    expect(await one({ name: ' 张三', position: '工程师\u3000', extAttrs: { 年龄: '30 ' } })).toEqual([
      '0:name:-',
      '0:position:-',
      '0:extAttrs.年龄:-',
    ]);
    expect(await one({ name: '张 三' })).toEqual([]);
  });

  it('reports a misspelt property instead of dropping it silently', async () => {
    expect(await one({ mobil: '138' })).toEqual(['0:mobil:-']);
  });

  it('reports a row that is not an object', async () => {
    expect(await found([base(), null, 'x', [1]])).toEqual(['1:(row):-', '2:(row):-', '3:(row):-']);
  });
});

describe('CSV safety', () => {
  const unsafe = {
    name: 'a,b',
    position: 'say "hi"',
    address: 'line1\nline2',
    alias: 'x\ry',
    extAttrs: { 'a,b': 'v', 年龄: '1,2' },
  };

  it('refuses values that need quoting by default, naming every field', async () => {
    expect(await one(unsafe)).toEqual([
      '0:name:-',
      '0:position:-',
      '0:alias:-',
      '0:address:-',
      '0:extAttrs.a,b:-',
      '0:extAttrs.年龄:-',
    ]);
    const [problem] = await validateMemberRows([base({ name: 'a,b' })]);
    expect(problem.message).toContain('allowCsvQuoting');
  });

  it('accepts them with allowCsvQuoting', async () => {
    expect(await one(unsafe, { allowCsvQuoting: true })).toEqual([]);
  });
});

describe('rules across rows', () => {
  it('userids are unique ignoring case (302003), mobiles unique (60104), e-mails unique ignoring case (60106)', async () => {
    const rows = [
      base({ userid: 'ZhangSan', mobile: '1001', email: 'Z@Example.com' }),
      base({ userid: 'lisi', mobile: '1002', email: 'l@example.com' }),
      base({ userid: 'zhangsan', mobile: '1001', email: 'z@example.COM' }),
      base({ userid: 'wangwu', mobile: '1003', email: 'w@example.com' }),
      base({ userid: 'LISI', mobile: '1004', email: 'L@EXAMPLE.COM' }),
    ];
    expect(await found(rows)).toEqual([
      '2:userid:302003',
      '2:mobile:60104',
      '2:email:60106',
      '4:userid:302003',
      '4:email:60106',
    ]);
    const problems = await validateMemberRows(rows);
    expect(problems[0].message).toContain('repeats the userid of row 1 (index 0)');
    expect(problems[3].message).toContain('row 2 (index 1)');
  });

  it('an empty input is a file problem (WeCom refuses empty files: 40092)', async () => {
    expect(await found([])).toEqual(['-1:(file):40092']);
  });

  it('a non-iterable input is a file problem', async () => {
    expect(await validateMemberRows({} as unknown as MemberRow[])).toEqual([
      expect.objectContaining({ row: -1, field: '(file)' }),
    ]);
  });

  it('accepts any iterable, read once', async () => {
    function* rows() {
      yield base({ userid: 'a', mobile: '1' });
      yield base({ userid: 'A', mobile: '2' });
    }
    expect(await found(rows() as unknown as unknown[])).toEqual(['1:userid:302003']);
  });
});

describe('plain objects, class instances and other objects', () => {
  it('validates MemberRow instances and plain objects alike', async () => {
    const instance = Object.assign(new MemberRow(), base({ telephone: 'x' }));
    const plain = base({ userid: 'lisi', mobile: '1', telephone: 'x' });
    expect(await found([instance, plain])).toEqual(['0:telephone:301013', '1:telephone:301013']);
  });

  it("honours a subclass's extra decorators", async () => {
    class EmployeeRow extends MemberRow {
      @IsIn(['engineer', 'manager'], { message: 'must be engineer or manager' })
      override position?: string = undefined;
    }
    const employee = Object.assign(new EmployeeRow(), base({ position: 'cook' }));
    expect(await found([employee, base({ userid: 'lisi', mobile: '1', position: 'cook' })])).toEqual(['0:position:-']);
  });

  it('reads the own properties of objects of other classes (as class-validator would)', async () => {
    class Entity {
      constructor(
        public userid: string,
        public name: string,
        public mobile: string,
        public departments: number[],
      ) {}
      get email(): string {
        return 'not read';
      }
    }
    expect(await found([new Entity('e1', 'E', '1', [1]), new Entity('-bad', 'E', '2', [1])])).toEqual([
      '1:userid:40003',
    ]);
  });
});
