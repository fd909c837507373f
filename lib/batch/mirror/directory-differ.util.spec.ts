import { describe, expect, it } from '@jest/globals';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { runBlocking } from '../rows/row-steps.util.js';
import { diffDirectory, type DiffInput } from './directory-differ.util.js';
import { currentDirectory } from './mirror.spec-helper.js';
import type { DirectoryPlan } from './mirror-plan.types.js';

const LIMIT = 20 * 1024 * 1024;
const tree = [
  { id: 1, name: 'corp', parentId: 0 },
  { id: 2, name: '研发部', parentId: 1, order: 10 },
  { id: 3, name: '前端组', parentId: 2 },
  { id: 4, name: '市场部', parentId: 1 },
];
const zhang = { userid: 'zhangsan', name: '张三', mobile: '13800000001', departments: [2], position: '工程师' };
const li = { userid: 'lisi', name: '李四', mobile: '13800000002', departments: [2, 4], isLeaderInDept: [true, false] };
const wang = { userid: 'wangwu', name: '王五', email: 'wangwu@example.com', departments: [4] };

function plan(input: Partial<DiffInput> & Pick<DiffInput, 'current'>): DirectoryPlan {
  return runBlocking(diffDirectory({ corpId: 'wwcorp', mediaLimitBytes: LIMIT, ...input }));
}

describe('diffDirectory: members', () => {
  it('reports nothing for an identical directory (reordered department lists and aligned flags included)', () => {
    const result = plan({
      current: currentDirectory([zhang, li, wang], tree),
      users: [zhang, { ...li, departments: [4, 2], isLeaderInDept: [false, true] }, wang] as MemberRow[],
    });
    expect(result.empty).toBe(true);
    expect(result.members).toMatchObject({
      creates: [],
      updates: [],
      moves: [],
      deletes: [],
      unchanged: 3,
      current: 3,
      desired: 3,
    });
    expect(result.strategy.members).toBe('none');
  });

  it('lists every kind of change: create, field updates from → to, move, delete', () => {
    const result = plan({
      current: currentDirectory([zhang, li, wang], tree),
      users: [
        { ...zhang, mobile: '13900000001', position: '架构师' },
        { ...li, departments: [3, 4], isLeaderInDept: [false, false] },
        { userid: 'zhaoliu', name: '赵六', mobile: '13800000004', departments: [3] },
      ] as MemberRow[],
    });
    const m = result.members!;
    expect(m.creates).toEqual([{ userid: 'zhaoliu', name: '赵六', departments: [3] }]);
    expect(m.updates).toEqual([
      {
        userid: 'zhangsan',
        name: '张三',
        changes: [
          { field: 'mobile', label: '手机号', from: '13800000001', to: '13900000001' },
          { field: 'position', label: '职位', from: '工程师', to: '架构师' },
        ],
      },
    ]);
    // Leaving department 2 (where lisi led) is the move; the flag of the new department 3 is false = unchanged.
    expect(m.moves).toEqual([{ userid: 'lisi', name: '李四', from: [2, 4], to: [3, 4] }]);
    expect(m.deletes).toEqual([{ userid: 'wangwu', name: '王五', departments: [4] }]);
    expect(m.unchanged).toBe(0);
    expect(result.strategy.members).toBe('replace_user');
  });

  it('exactDeletes: deletions by user/batchdelete, never a replace (and so no empty-cell clearing)', () => {
    const result = plan({
      current: currentDirectory([zhang, li, wang], tree),
      users: [
        { ...zhang, position: undefined },
        { ...li, position: '经理' },
      ] as MemberRow[],
      exactDeletes: true,
    });
    expect(result.strategy.members).toBe('sync_user+batchdelete');
    expect(result.strategy.reason).toContain('exactDeletes');
    expect(result.members!.updates.map((u) => u.userid)).toEqual(['lisi']);
  });

  it('matches userids ignoring case and keeps WeCom’s spelling', () => {
    const result = plan({
      current: currentDirectory([{ ...zhang, userid: 'ZhangSan' }], tree),
      users: [{ ...zhang, position: '架构师' }] as MemberRow[],
    });
    expect(result.members!.creates).toEqual([]);
    expect(result.members!.deletes).toEqual([]);
    expect(result.members!.updates.map((u) => u.userid)).toEqual(['ZhangSan']);
  });

  it('never reports a withheld field as a change: counted in notCompared instead', () => {
    const { mobile: _withheld, ...noMobile } = zhang;
    const result = plan({
      current: currentDirectory([noMobile, li], tree),
      users: [zhang, { ...li, mobile: '13811112222' }] as MemberRow[],
    });
    expect(result.members!.updates).toEqual([
      {
        userid: 'lisi',
        name: '李四',
        changes: [{ field: 'mobile', label: '手机号', from: '13800000002', to: '13811112222' }],
      },
    ]);
    expect(result.notCompared).toEqual([
      { scope: 'member', field: 'mobile', label: '手机号', reason: 'withheld', count: 1 },
    ]);
  });

  it('treats an absent position as empty (not withheld) and trims text as the import does', () => {
    const result = plan({
      current: currentDirectory([{ ...zhang, position: ' 工程师 ' }, { ...li }], tree),
      users: [zhang, { ...li, position: '经理' }] as MemberRow[],
    });
    expect(result.members!.updates).toEqual([
      { userid: 'lisi', name: '李四', changes: [{ field: 'position', label: '职位', from: null, to: '经理' }] },
    ]);
  });

  it('with a replace, an empty cell in a column the file has is a change to empty; with a sync it is left alone', () => {
    const users = [
      { ...zhang, position: undefined },
      { ...li, position: '经理' },
    ] as MemberRow[];
    const current = [zhang, { ...li, position: '经理' }, wang];
    const replace = plan({ current: currentDirectory(current, tree), users });
    expect(replace.strategy.members).toBe('replace_user');
    expect(replace.members!.updates).toEqual([
      { userid: 'zhangsan', name: '张三', changes: [{ field: 'position', label: '职位', from: '工程师', to: null }] },
    ]);
    const sync = plan({ current: currentDirectory(current.slice(0, 2), tree), users });
    expect(sync.members!.updates).toEqual([]);
    expect(sync.strategy.members).toBe('none');
    expect(sync.empty).toBe(true);
  });

  it('compares order and isLeaderInDept per department, gender and e-mail by WeCom’s rules', () => {
    const result = plan({
      current: currentDirectory([{ ...li, order: [5, 7], gender: 'female', email: 'Li@Example.com' }], tree),
      users: [
        {
          ...li,
          departments: [4, 2],
          order: [7, 6],
          isLeaderInDept: [false, true],
          gender: 2,
          email: 'li@example.com',
        },
      ] as MemberRow[],
    });
    expect(result.members!.updates).toEqual([
      { userid: 'lisi', name: '李四', changes: [{ field: 'order', label: '排序', from: [7, 5], to: [7, 6] }] },
    ]);
  });

  it('reports desired departments that neither the desired tree nor WeCom has', () => {
    const result = plan({
      current: currentDirectory([zhang], tree),
      users: [zhang, { ...wang, departments: [99, 4] }] as MemberRow[],
    });
    expect(result.unknownDepartments).toEqual([{ id: 99, members: 1, userids: ['wangwu'] }]);
  });

  it('after 48009 (ID lists) compares memberships only and says which fields it could not compare', () => {
    const ids = [
      { userid: 'zhangsan', departments: [2] },
      { userid: 'lisi', departments: [2, 4] },
    ];
    const result = plan({
      current: currentDirectory(
        ids,
        tree.map(({ id, parentId, order }) => ({ id, parentId, order })),
        'id-lists',
      ),
      users: [
        { ...zhang, position: '架构师' },
        { ...li, departments: [4] },
      ] as MemberRow[],
      departments: tree.slice(1) as DepartmentRow[],
    });
    expect(result.source).toBe('id-lists');
    expect(result.members!.updates).toEqual([]);
    // The name comes from the desired row: WeCom's was not readable.
    expect(result.members!.moves).toEqual([{ userid: 'lisi', name: '李四', from: [2, 4], to: [4] }]);
    const fields = result.notCompared.map((n) => `${n.scope}.${n.field}:${n.reason}`);
    expect(fields).toEqual(
      expect.arrayContaining([
        'member.name:detail-reads-restricted',
        'member.position:detail-reads-restricted',
        'department.name:detail-reads-restricted',
      ]),
    );
    expect(result.departments!.updates).toEqual([]);
  });
});

describe('diffDirectory: departments', () => {
  it('lists creates, renames, moves of a subtree (its top only) and deletes, blocked while members stay', () => {
    const result = plan({
      current: currentDirectory(
        [zhang, wang, { ...li, departments: [5] }],
        [...tree, { id: 5, name: '旧部门', parentId: 1 }, { id: 6, name: '空部门', parentId: 1 }],
      ),
      departments: [
        { id: 2, name: '研发中心', parentId: 4 }, // renamed and moved under 4: 3 moves with it
        { id: 3, name: '前端组', parentId: 2 },
        { id: 4, name: '市场部', parentId: 1 },
        { id: 7, name: '新部门', parentId: 1 },
      ] as DepartmentRow[],
      users: [zhang, wang, { ...li, departments: [7] }] as MemberRow[],
    });
    const d = result.departments!;
    expect(d.creates).toEqual([{ id: 7, name: '新部门', parentId: 1 }]);
    expect(d.updates).toEqual([
      { id: 2, name: '研发中心', changes: [{ field: 'name', label: '部门名称', from: '研发部', to: '研发中心' }] },
    ]);
    expect(d.moves).toEqual([{ id: 2, name: '研发中心', from: 1, to: 4 }]);
    // 5 empties once lisi moves to 7; 6 is already empty.
    expect(d.deletes).toEqual([
      { id: 5, name: '旧部门', parentId: 1, membersLeft: 0, blocked: false },
      { id: 6, name: '空部门', parentId: 1, membersLeft: 0, blocked: false },
    ]);
    expect(d.unchanged).toBe(3); // 3, 4 and the root
    expect(result.strategy.departments).toBe('replace_party');
  });

  it('marks a deletion blocked when members would still be in the department', () => {
    const result = plan({
      current: currentDirectory([{ ...wang, departments: [4] }], tree),
      departments: tree.filter((d) => d.id !== 4) as DepartmentRow[],
    });
    expect(result.departments!.deletes).toEqual([
      { id: 4, name: '市场部', parentId: 1, membersLeft: 1, blocked: true },
    ]);
    expect(result.members).toBeUndefined();
  });

  it('an order of 0 or none leaves WeCom’s order alone', () => {
    const result = plan({
      current: currentDirectory([], tree),
      departments: tree.map(({ order: _o, ...d }) => d) as DepartmentRow[],
    });
    expect(result.departments!.updates).toEqual([]);
    expect(result.empty).toBe(true);
  });
});
