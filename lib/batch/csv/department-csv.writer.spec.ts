import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { WeComRowValidationError } from '../../errors/wecom-row-validation.error.js';
import type { DepartmentRow } from '../rows/department-row.dto.js';
import { readPartyFile } from '../../testing/import-file.parser.js';
import { buildDepartmentCsv, writeDepartmentCsv } from './department-csv.writer.js';

describe('writeDepartmentCsv', () => {
  it('writes 部门名称,部门ID,父部门ID (the required columns) when no row sets an order', () => {
    const csv = writeDepartmentCsv([
      { id: 2, name: '研发部', parentId: 1 },
      { id: 3, name: '前端组', parentId: 2 },
    ]);
    expect(csv.toString('utf8')).toBe('部门名称,部门ID,父部门ID\n研发部,2,1\n前端组,3,2\n');
  });

  it('adds 排序 when some row sets an order (empty cells elsewhere: order unchanged)', () => {
    const csv = writeDepartmentCsv([
      { id: 1, name: '腾讯科技', parentId: 0, order: 1 },
      { id: 2, name: '总办', parentId: 1 },
      { id: 3, name: '微信事业群', parentId: 1, order: 4294967295 },
    ]);
    expect(csv.toString('utf8')).toBe(
      '部门名称,部门ID,父部门ID,排序\n腾讯科技,1,0,1\n总办,2,1,\n微信事业群,3,1,4294967295\n',
    );
  });

  it('refuses an invalid tree with every problem, producing nothing', async () => {
    const error = (await buildDepartmentCsv([
      { id: 2, name: 'a', parentId: 3 },
      { id: 3, name: 'b', parentId: 2 },
      { id: 4, name: 'c', parentId: 9 },
    ]).catch((e: unknown) => e)) as WeComRowValidationError;
    expect(error).toBeInstanceOf(WeComRowValidationError);
    expect(error.message).toMatch(/^Invalid department rows: 3 problems in 3 of 3 rows/);
    expect(error.problems.map((p) => p.code)).toEqual([60010, 60010, 60004]);
  });

  it('quotes a name with a comma only when allowCsvQuoting is set', () => {
    const rows = [{ id: 2, name: 'R&D, Shenzhen', parentId: 1 }];
    expect(() => writeDepartmentCsv(rows)).toThrow(WeComRowValidationError);
    expect(writeDepartmentCsv(rows, { allowCsvQuoting: true }).toString('utf8')).toBe(
      '部门名称,部门ID,父部门ID\n"R&D, Shenzhen",2,1\n',
    );
  });

  it('buildDepartmentCsv gives the same bytes, the row count and the columns', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      id: i + 2,
      name: `部门${i}`,
      parentId: i < 50 ? 1 : 2 + (i % 50),
    }));
    const result = await buildDepartmentCsv(rows, { sliceMs: 1 });
    expect(result.csv.equals(writeDepartmentCsv(rows))).toBe(true);
    expect(result.rows).toBe(2000);
    expect(result.columns).toEqual(['部门名称', '部门ID', '父部门ID']);
  });
});

/** A random valid tree: each department hangs under the root or an earlier one, at most 15 levels deep. */
const treeArb = (quoting: boolean): fc.Arbitrary<DepartmentRow[]> =>
  fc
    .array(
      fc.record({
        parentPick: fc.nat(),
        name: fc
          .string({
            minLength: 1,
            maxLength: 12,
            unit: quoting
              ? fc.oneof(
                  fc.constantFrom(',', '\n', ' ', ';'),
                  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
                )
              : 'grapheme',
          })
          .filter(
            (s) =>
              !/[\\:*?"<>|\uFF5C]/.test(s) &&
              (quoting || !/[,\r\n]/.test(s)) &&
              s.trim() === s &&
              [...s].length <= 28 &&
              Buffer.byteLength(s) <= 60,
          ),
        order: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
        withRoot: fc.boolean(),
      }),
      { minLength: 1, maxLength: 25 },
    )
    .map((specs) => {
      const rows: DepartmentRow[] = [];
      const depth = new Map<number, number>([[1, 1]]);
      specs.forEach((spec, i) => {
        const id = i + 2;
        const candidates = [1, ...rows.map((r) => r.id)].filter((c) => depth.get(c)! < 15);
        const parentId = candidates[spec.parentPick % candidates.length];
        depth.set(id, depth.get(parentId)! + 1);
        // The id suffix keeps sibling names unique; the name stays within 32 characters.
        const row: DepartmentRow = { id, name: `${spec.name}-${id}`, parentId };
        if (spec.order !== undefined) row.order = spec.order;
        rows.push(row);
      });
      if (specs[0].withRoot) rows.unshift({ id: 1, name: '总公司', parentId: 0 });
      return rows.reverse();
    });

describe('round trip through csv-parse and the simulator', () => {
  it.each([false, true])(
    'any valid tree comes back with the same values by header (allowCsvQuoting: %p)',
    (quoting) => {
      fc.assert(
        fc.property(treeArb(quoting), (rows) => {
          const csv = writeDepartmentCsv(rows, { allowCsvQuoting: quoting });
          const records = parse(csv, { columns: true, bom: false }) as Record<string, string>[];
          const withOrder = rows.some((r) => r.order !== undefined);
          expect(Object.keys(records[0])).toEqual(
            withOrder ? ['部门名称', '部门ID', '父部门ID', '排序'] : ['部门名称', '部门ID', '父部门ID'],
          );
          expect(records).toEqual(
            rows.map((r) => ({
              部门名称: r.name,
              部门ID: String(r.id),
              父部门ID: String(r.parentId),
              ...(withOrder ? { 排序: r.order === undefined ? '' : String(r.order) } : {}),
            })),
          );
          // The simulator's parser reads the same department rows.
          expect(readPartyFile(csv)).toEqual(
            rows.map((r) => ({
              name: r.name,
              id: String(r.id),
              parentId: String(r.parentId),
              ...(withOrder ? { order: r.order === undefined ? '' : String(r.order) } : {}),
            })),
          );
        }),
        { numRuns: 100 },
      );
    },
  );
});
