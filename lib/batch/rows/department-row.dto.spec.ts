import { describe, expect, it } from '@jest/globals';
import type { DepartmentRow } from './department-row.dto.js';
import { validateDepartmentRows, type RowCheckOptions } from './validate-rows.util.js';

/** `row:field:code` of every problem. */
async function found(rows: unknown[], options?: RowCheckOptions): Promise<string[]> {
  const problems = await validateDepartmentRows(rows as DepartmentRow[], options);
  return problems.map((p) => `${p.row}:${p.field}:${p.code ?? '-'}`);
}

const dep = (id: unknown, parentId: unknown, name: unknown = `d${String(id)}`, order?: unknown) =>
  order === undefined ? { id, parentId, name } : { id, parentId, name, order };

/** A chain 2 → 3 → … → last, hanging under the root. */
const chain = (last: number) => Array.from({ length: last - 1 }, (_, i) => dep(i + 2, i + 1));

describe('DepartmentRow rules', () => {
  it('accepts the legacy official sample (root row included)', async () => {
    expect(
      await found([
        dep(1, 0, '腾讯科技', 1),
        dep(2, 1, '总办', 1),
        dep(3, 1, '微信事业群', 2),
        dep(4, 3, '产品部', 1),
        dep(5, 3, '开发部', 2),
        dep(6, 5, '前端开发组', 1),
        dep(7, 5, '后台开发组', 2),
      ]),
    ).toEqual([]);
  });

  it('accepts a tree without the root row (the root 1 always exists), listed children first', async () => {
    expect(await found([dep(5, 4), dep(4, 2), dep(2, 1), dep(3, 1)])).toEqual([]);
  });

  it('id: an integer in [1, 2^32), required', async () => {
    expect(await found([dep(4294967295, 1)])).toEqual([]);
    expect(await found([dep(0, 1), dep(2 ** 32, 1), dep(2.5, 1), dep('7', 1), dep(undefined, 1)])).toEqual([
      '0:id:60123',
      '1:id:60123',
      '2:id:60123',
      '3:id:60123',
      '4:id:302004',
    ]);
  });

  it('name: 1–32 characters and ≤64 bytes, required', async () => {
    expect(await found([dep(2, 1, '部'.repeat(21))])).toEqual([]); // 63 bytes
    expect(await found([dep(2, 1, 'x'.repeat(32))])).toEqual([]);
    expect(await found([dep(2, 1, 'x'.repeat(33))])).toEqual(['0:name:60001']);
    expect(await found([dep(2, 1, '部'.repeat(22))])).toEqual(['0:name:60125']); // 66 bytes
    expect(await found([dep(2, 1, '')])).toEqual(['0:name:60001']);
    expect(await found([{ id: 2, parentId: 1 }])).toEqual(['0:name:302004']);
  });

  it.each(['\\', ':', '*', '?', '"', '<', '>', '|', '｜'])('name: %s is refused (60009)', async (c) => {
    expect(await found([dep(2, 1, `a${c}b`)])).toContain('0:name:60009');
  });

  it('name: a comma or line break is refused unless quoting is allowed', async () => {
    expect(await found([dep(2, 1, 'a,b'), dep(3, 1, 'a\nb')])).toEqual(['0:name:-', '1:name:-']);
    expect(await found([dep(2, 1, 'a,b'), dep(3, 1, 'a\nb')], { allowCsvQuoting: true })).toEqual([]);
  });

  it('name: surrounding whitespace is refused, not trimmed', async () => {
    expect(await found([dep(2, 1, '研发 '), dep(3, 1, ' 测试')])).toEqual(['0:name:-', '1:name:-']);
  });

  it('parentId: 0 for the root row only; an integer ≥ 0; required', async () => {
    expect(await found([dep(1, 1)])).toEqual(['0:parentId:60124']);
    expect(await found([dep(2, 0)])).toEqual(['0:parentId:60124']);
    expect(await found([dep(2, -1)])).toEqual(['0:parentId:60124']);
    expect(await found([{ id: 2, name: 'x' }])).toEqual(['0:parentId:302004']);
  });

  it('order: optional integer in [0, 2^32)', async () => {
    expect(await found([dep(2, 1, 'a', 0), dep(3, 1, 'b', 4294967295), dep(4, 1, 'c', null)])).toEqual([]);
    expect(await found([dep(2, 1, 'a', -1), dep(3, 1, 'b', 1.5)])).toEqual(['0:order:-', '1:order:-']);
  });

  it('reports a misspelt property', async () => {
    expect(await found([{ id: 2, parentid: 1, name: 'a' }])).toEqual(['0:parentid:-', '0:parentId:302004']);
  });
});

describe('the tree', () => {
  it('ids are unique (302006)', async () => {
    expect(await found([dep(2, 1, 'a'), dep(3, 1, 'b'), dep(2, 1, 'c')])).toEqual(['2:id:302006']);
  });

  it('sibling names are unique (302007); the same name under different parents is fine', async () => {
    expect(await found([dep(2, 1, '研发'), dep(3, 2, '研发'), dep(4, 1, '研发'), dep(5, 2, '研发')])).toEqual([
      '2:name:302007',
      '3:name:302007',
    ]);
  });

  it('a parent must be in the file or be the root (60004), reported once where the chain breaks', async () => {
    expect(await found([dep(2, 99), dep(3, 2), dep(4, 3)])).toEqual(['0:parentId:60004']);
  });

  it('cycles are refused (60010), each department on the cycle is named, descendants are not', async () => {
    expect(await found([dep(2, 3), dep(3, 2), dep(4, 2), dep(5, 5), dep(6, 1)])).toEqual([
      '0:parentId:60010',
      '1:parentId:60010',
      '3:parentId:60010',
    ]);
    const [first] = await validateDepartmentRows([dep(2, 3), dep(3, 2)] as DepartmentRow[]);
    expect(first.message).toContain('2 → 3 → 2');
  });

  it('a long cycle is summarised in the message', async () => {
    const ring = Array.from({ length: 30 }, (_, i) => dep(i + 2, ((i + 1) % 30) + 2));
    const problems = await validateDepartmentRows(ring as DepartmentRow[]);
    expect(problems).toHaveLength(30);
    expect(problems[0].message.length).toBeLessThan(200);
  });

  it('at most 15 levels, the root being level 1 (81002)', async () => {
    expect(await found(chain(15))).toEqual([]);
    expect(await found(chain(17))).toEqual(['14:parentId:81002', '15:parentId:81002']);
    // The same with the root row present and rows in reverse order.
    expect(await found([dep(1, 0, 'root'), ...chain(16).reverse()])).toEqual(['1:parentId:81002']);
  });

  it('every problem at once: fields and tree', async () => {
    expect(await found([dep(2, 1, 'a:b'), dep(2, 1, 'c'), dep(3, 4), dep(4, 3), dep(5, 77)])).toEqual([
      '0:name:60009',
      '1:id:302006',
      '2:parentId:60010',
      '3:parentId:60010',
      '4:parentId:60004',
    ]);
  });

  it('an empty input is a file problem', async () => {
    expect(await found([])).toEqual(['-1:(file):40092']);
  });
});
