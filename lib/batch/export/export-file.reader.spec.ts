import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
// The simulator's encryption, written apart from the library's decryption: one cannot hide a bug of the other.
import { encryptExportFile } from '../../testing/export-file.cipher.js';
import { ExportParseError, readExportRows } from './export-file.reader.js';
import { exportAesKey } from './export-key.util.js';
import type { ExportJobType } from '../../model/batch-job.types.js';

const KEY_TEXT = 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2';
const KEY = exportAesKey(KEY_TEXT);

async function read(document: string | Buffer, jobType: ExportJobType = 'export_simple_user'): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const row of readExportRows(encryptExportFile(document, KEY_TEXT), KEY, jobType)) rows.push(row);
  return rows;
}

async function failure(document: string, jobType: ExportJobType = 'export_simple_user'): Promise<ExportParseError> {
  try {
    await read(document, jobType);
  } catch (error) {
    expect(error).toBeInstanceOf(ExportParseError);
    return error as ExportParseError;
  }
  throw new Error('the document was accepted');
}

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const simpleMember = fc.record({
  userid: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,20}$/),
  name: text,
  department: fc.array(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 5 }),
  open_userid: fc.option(fc.stringMatching(/^wo[A-Za-z0-9]{1,30}$/), { nil: undefined }),
});
const department = fc.record({
  id: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
  name: text,
  parentid: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  order: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }),
});
/** JSON.stringify with arbitrary (valid) whitespace: WeCom's exact formatting is not documented. */
const spacing = fc.constantFrom(undefined, 0, 1, 2, '\t');

describe('readExportRows: random documents through the simulator’s encryption and back (property)', () => {
  it('export/simple_user: every member comes back, in order, in MemberRow’s vocabulary', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(simpleMember, { maxLength: 60 }), spacing, async (members, space) => {
        const rows = await read(JSON.stringify({ userlist: members }, null, space));
        expect(rows).toEqual(
          members.map((m) => ({
            userid: m.userid,
            name: m.name,
            departments: m.department,
            ...(m.open_userid ? { openUserid: m.open_userid } : {}),
          })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('export/department: every department comes back with parentId / order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(department, { maxLength: 60 }), spacing, async (departments, space) => {
        const rows = await read(JSON.stringify({ department: departments }, null, space), 'export_department');
        expect(rows).toEqual(
          departments.map((d) => ({
            id: d.id,
            name: d.name,
            parentId: d.parentid,
            ...(d.order === undefined ? {} : { order: d.order }),
          })),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('export/taguser: the tag’s members, then its departments, each knowing the tag name', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.array(fc.record({ userid: fc.stringMatching(/^[a-z0-9]{1,10}$/), name: text }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 20 }),
        async (tagname, userlist, partylist) => {
          const rows = await read(JSON.stringify({ tagname, userlist, partylist }), 'export_taguser');
          expect(rows).toEqual([
            ...userlist.map((u) => ({
              kind: 'user',
              tagName: tagname,
              userid: u.userid,
              ...(u.name ? { name: u.name } : {}),
            })),
            ...partylist.map((id) => ({ kind: 'department', tagName: tagname, departmentId: id })),
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('readExportRows: large files and bad ones', () => {
  it('parses a file of many 64 KB slices whose multi-byte characters straddle slice boundaries', async () => {
    const members = Array.from({ length: 3000 }, (_, i) => ({
      userid: `u${i}`,
      name: `张三李四王五😀${'赵'.repeat(i % 17)}`,
      department: [1, (i % 50) + 2],
    }));
    const rows = (await read(JSON.stringify({ userlist: members }))) as Array<{ userid: string; name: string }>;
    expect(rows).toHaveLength(3000);
    expect(rows.every((row, i) => row.name === members[i].name && row.userid === `u${i}`)).toBe(true);
  });

  it('accepts an empty export and a leading BOM', async () => {
    await expect(read('{"userlist":[]}')).resolves.toEqual([]);
    await expect(
      read('\ufeff{"department":[{"id":1,"name":"总部","parentid":0}]}', 'export_department'),
    ).resolves.toEqual([{ id: 1, name: '总部', parentId: 0 }]);
  });

  it('refuses invalid JSON after a good decryption, with a message that quotes no data', async () => {
    const error = await failure('{"userlist":[{"userid":"zhangsan","name":"张三","department":[1]},');
    expect(error.problem).toBe('json');
    const garbage = await failure('{"userlist":[]} 张三 13800000000');
    expect(garbage.problem).toBe('json');
    expect(garbage.message).not.toMatch(/张|138/);
  });

  it('refuses documents of another shape', async () => {
    expect((await failure('[{"userid":"a"}]')).message).toMatch(/not a JSON object/);
    expect((await failure('{"users":[]}')).message).toMatch(/no userlist array/);
    expect((await failure('{"userlist":{"a":{"userid":"x"}}}')).message).toMatch(/not an array/);
    expect((await failure('{"userlist":[42]}')).message).toMatch(/not an object/);
    expect((await failure('{"userlist":[{"name":"no id"}]}')).message).toMatch(/no userid/);
    expect((await failure('{"department":[{"name":"x"}]}', 'export_department')).message).toMatch(/integer id/);
  });

  it('refuses a file encrypted with another key before yielding a row (decrypt)', async () => {
    const other = encryptExportFile('{"userlist":[{"userid":"a","name":"A","department":[1]}]}', 'A'.repeat(43));
    const rows: unknown[] = [];
    await expect(
      (async () => {
        for await (const row of readExportRows(other, KEY, 'export_simple_user')) rows.push(row);
      })(),
    ).rejects.toMatchObject({ problem: 'decrypt' });
    expect(rows).toEqual([]);
  });
});
