import { describe, expect, it } from '@jest/globals';
import { WeComRowValidationError } from '../../errors/wecom-row-validation.error.js';
import { writeDepartmentCsv } from '../csv/department-csv.writer.js';
import { buildMemberCsv, writeMemberCsv } from '../csv/member-csv.writer.js';
import type { MemberRow } from './member-row.dto.js';
import { validateDepartmentRows, validateMemberRows } from './validate-rows.util.js';

/** The error `work` throws (fails the test when it does not). */
function thrown(work: () => unknown): WeComRowValidationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(WeComRowValidationError);
    return error as WeComRowValidationError;
  }
  throw new Error('nothing was thrown');
}

const member = (over: Partial<MemberRow> & Record<string, unknown> = {}): MemberRow =>
  ({ userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [2], ...over }) as MemberRow;

describe('row messages a person reads', () => {
  it('count rows from 1 and give the 0-based index that `problems[].row` and `rows[i]` use', () => {
    const error = thrown(() => writeMemberCsv([member(), member({ userid: 'lisi', mobile: 'not a mobile' })]));
    expect(error.problems).toEqual([expect.objectContaining({ row: 1, field: 'mobile', code: 60103 })]);
    expect(error.message).toContain('  - row 2 (index 1) mobile: ');
    expect(error.message).toMatch(/1 problem in 1 of 2 rows/);
  });

  it('name the earlier row of a duplicate the same way', async () => {
    const problems = await validateMemberRows([member(), member({ mobile: '13900000000' })]);
    expect(problems).toEqual([
      expect.objectContaining({ row: 1, field: 'userid', message: expect.stringContaining('of row 1 (index 0)') }),
    ]);
    const tree = await validateDepartmentRows([
      { id: 2, parentId: 1, name: '研发部' },
      { id: 2, parentId: 1, name: '市场部' },
    ]);
    expect(tree[0]).toMatchObject({ row: 1, field: 'id', message: 'repeats the id of row 1 (index 0)' });
  });

  it('say plainly that an empty list is empty', async () => {
    for (const work of [() => writeMemberCsv([]), () => writeDepartmentCsv([])]) {
      const error = thrown(work);
      expect(error.message).toMatch(/rows: the list is empty — WeCom refuses an import file without rows \(40092\)/);
      expect(error.message).not.toMatch(/row -1|0 of 0/);
      expect(error.problems).toEqual([expect.objectContaining({ row: -1, field: '(file)', code: 40092 })]);
      expect(error.rowCount).toBe(0);
    }
    await expect(buildMemberCsv([])).rejects.toThrow(/the list is empty/);
  });

  it('suggest the field a misspelt one meant', async () => {
    const problems = await validateMemberRows([member({ departments: undefined, deparment: [2] })]);
    expect(problems).toContainEqual(
      expect.objectContaining({ field: 'deparment', message: expect.stringContaining('did you mean `departments`?') }),
    );
    const unknown = await validateMemberRows([member({ frobnicate: 1 })]);
    expect(unknown).toEqual([
      expect.objectContaining({ field: 'frobnicate', message: 'is not a field of MemberRow (misspelt?)' }),
    ]);
  });
});
