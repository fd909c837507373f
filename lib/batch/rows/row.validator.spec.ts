import { describe, expect, it } from '@jest/globals';
import { IsString, ValidateNested, validateSync } from 'class-validator';
import fc from 'fast-check';
import type { WeComRowProblem } from '../../errors/wecom-row-validation.error.js';
import { DepartmentRow } from './department-row.dto.js';
import { MemberRow } from './member-row.dto.js';
import { RowValidator } from './row.validator.js';
import { QUOTED_CSV_GROUP, STRICT_CSV_GROUP } from './wecom-rule.util.js';

// RowValidator accepts most rows without calling validateSync (it runs the decorators' constraints directly).
// These properties check that shortcut against class-validator itself: for any row, RowValidator's verdict
// must equal validateSync's with the same options.

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 ** 32 + 1 }),
  fc.double(),
  fc.string({ maxLength: 70 }),
  fc.array(fc.integer({ min: -1, max: 30 }), { maxLength: 22 }),
  fc.array(fc.boolean(), { maxLength: 4 }),
);

/**
 * Rows that are valid except for up to two fields, each replaced by a value from its pool (edge values on both
 * sides of each rule, and junk): a row that breaks a single rule is what a skipped constraint would let through.
 */
function nearlyValid(valid: Record<string, unknown>, pools: Record<string, unknown[]>) {
  const keys = Object.keys(pools);
  const replacement = Object.fromEntries(keys.map((k) => [k, fc.oneof(fc.constantFrom(...pools[k]), junk)]));
  return fc.tuple(fc.subarray(keys, { maxLength: 2 }), fc.record(replacement)).map(([changed, values]) => {
    const row: Record<string, unknown> = { ...valid };
    for (const k of changed) row[k] = values[k];
    return row;
  });
}

const memberish = nearlyValid(
  {
    userid: 'zhangsan',
    name: '张三',
    mobile: '13800000000',
    email: 'a@example.com',
    departments: [1, 2],
    position: '工程师',
    gender: 'male',
    isLeaderInDept: [true, false],
    order: [1, 2],
    alias: 'San',
    address: '深圳',
    telephone: '0755-1',
    disabled: false,
    extAttrs: { 年龄: '1' },
  },
  {
    userid: ['Z.s-1_@x', '-x', 'a b', 'x'.repeat(64), 'x'.repeat(65)],
    name: ['a,b', '', 'x'.repeat(64), 'x'.repeat(65), 'a\uD800'],
    mobile: ['+86-1', '1'.repeat(33), 'abc'],
    email: ['a@b.c', 'bad', '"a,b"@example.com'],
    departments: [[1], [0], [1, 1], [1, 2, 3], Array.from({ length: 21 }, (_, i) => i + 1)],
    position: ['', 'a"b', 'x'.repeat(129)],
    gender: ['female', 1, 2, 'm', 3],
    isLeaderInDept: [[true], [true, 1]],
    order: [[0, 4294967295], [-1, 1], [2 ** 32, 1], [1]],
    alias: ['', 'x\ny', 'x'.repeat(65)],
    address: ['', 'a,b', 'x'.repeat(129)],
    telephone: ['1 2', '', '1'.repeat(33)],
    disabled: [true],
    extAttrs: [{}, { 姓名: 'x' }, { a: 1 }, { 'a,b': 'x' }, { x: 'a"b' }, { ' x': 'y' }, []],
    extra: ['typo'],
  },
);

const departmentish = nearlyValid(
  { id: 2, parentId: 1, name: '研发', order: 1 },
  {
    id: [1, 0, 4294967295, 2 ** 32, 1.5],
    parentId: [0, 2, 7],
    name: ['a:b', 'a,b', 'a\nb', 'x'.repeat(32), 'x'.repeat(33), '部'.repeat(22), ''],
    order: [0, -1, 2 ** 32],
    parentid: [1],
  },
);

function classValidatorAccepts(target: new () => object, row: object, allowCsvQuoting: boolean): boolean {
  const errors = validateSync(Object.assign(new target(), row), {
    always: true,
    groups: [allowCsvQuoting ? QUOTED_CSV_GROUP : STRICT_CSV_GROUP],
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return errors.length === 0;
}

describe('RowValidator', () => {
  it.each([
    ['MemberRow', MemberRow, memberish],
    ['DepartmentRow', DepartmentRow, departmentish],
  ] as const)('agrees with class-validator on any %s-like object', (_name, target, rows) => {
    const validators = [false, true].map((q) => new RowValidator<object>(target, { allowCsvQuoting: q }));
    fc.assert(
      fc.property(rows, fc.boolean(), (row, quoting) => {
        const problems: WeComRowProblem[] = [];
        const verdict = validators[Number(quoting)].check(row, 0, problems);
        expect(verdict).toBe(classValidatorAccepts(target, row, quoting));
        expect(problems.length === 0).toBe(verdict);
      }),
      { numRuns: 3000 },
    );
  });

  it('falls back to class-validator for classes with nested validation, and names nested fields', () => {
    class Badge {
      @IsString({ message: 'must be a string' })
      label!: string;
    }
    class BadgedMemberRow extends MemberRow {
      @ValidateNested()
      badge!: Badge;
    }
    const row = (label: unknown) =>
      Object.assign(new BadgedMemberRow(), {
        userid: 'a',
        name: 'A',
        mobile: '1',
        departments: [1],
        badge: Object.assign(new Badge(), { label }),
      });
    const validator = new RowValidator(MemberRow);
    const problems: WeComRowProblem[] = [];
    expect(validator.check(row('ok'), 0, problems)).toBe(true);
    expect(validator.check(row(7), 1, problems)).toBe(false);
    expect(problems).toEqual([{ row: 1, field: 'badge.label', message: 'must be a string' }]);
  });
});
