import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import { MEMBER_HEADER, getResult, getToken, runImport, startSimulator, submit, type Json } from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

const HEADER = '部门名称,部门ID,父部门ID,排序';

async function start(): Promise<string> {
  sim = await startSimulator(
    {},
    {
      departments: [
        { id: 1, name: '总部', parentId: 0, order: 0 },
        { id: 2, name: '研发', parentId: 1, order: 10 },
        { id: 3, name: '销售', parentId: 1, order: 5 },
        { id: 4, name: '前端', parentId: 2, order: 1 },
        { id: 5, name: '空部门', parentId: 1, order: 1 },
        { id: 6, name: '有人', parentId: 1, order: 1 },
      ],
      users: [{ userid: 'u1', name: '成员', mobile: '13800000001', departments: [6] }],
    },
  );
  return getToken(sim);
}

function rows(result: Json): number[][] {
  return (result.result as Array<{ partyid: number; action: number; errcode: number }>).map((r) => [
    r.partyid,
    r.action,
    r.errcode,
  ]);
}

describe('batch/replaceparty', () => {
  it('creates, renames, moves and reorders per the action bitmask; deletes only empty departments', async () => {
    const token = await start();
    const csv = [
      HEADER,
      '总公司,1,0,', // rename the root: 2
      '研发,2,1,10', // unchanged: 0 (same order)
      '销售部,3,2,20', // rename + move + reorder: 2|4|8 = 14
      '前端,4,1,0', // move only (order 0 = unchanged): 4
      '后端,7,2,3', // create: 1
      '运维,8,7,', // create under a department created in the same file: 1
    ].join('\n');
    const result = await runImport(sim, token, 'replaceparty', csv);
    expect(result).toMatchObject({ errcode: 0, status: 3, type: 'replace_party', total: 6, percentage: 100 });
    expect(rows(result)).toEqual([
      [1, 2, 0],
      [2, 0, 0],
      [3, 14, 0],
      [4, 4, 0],
      [7, 1, 0],
      [8, 1, 0],
    ]);
    expect(result.result[0]).toEqual({ action: 2, partyid: 1, errcode: 0, errmsg: 'ok' });
    expect(sim.directory().departments).toEqual([
      { id: 1, name: '总公司', parentId: 0, order: 0 },
      { id: 2, name: '研发', parentId: 1, order: 10 },
      { id: 3, name: '销售部', parentId: 2, order: 20 },
      { id: 4, name: '前端', parentId: 1, order: 1 },
      // 5 (empty) is deleted; 6 still has a member: kept for now.
      { id: 6, name: '有人', parentId: 1, order: 1 },
      { id: 7, name: '后端', parentId: 2, order: 3 },
      { id: 8, name: '运维', parentId: 7, order: 0 },
    ]);
  });

  it('deletes a kept department once a later member import moves everyone out', async () => {
    const token = await start();
    await runImport(sim, token, 'replaceparty', `${HEADER}\n研发,2,1,\n销售,3,1,\n前端,4,2,\n`);
    expect(sim.directory().departments.map((d) => d.id)).toEqual([1, 2, 3, 4, 6]);
    await runImport(sim, token, 'syncuser', `${MEMBER_HEADER}\n成员,u1,13800000001,,3\n`);
    expect(sim.directory().departments.map((d) => d.id)).toEqual([1, 2, 3, 4]);
  });

  it('accepts children listed before their parent', async () => {
    const token = await start();
    const result = await runImport(sim, token, 'replaceparty', `${HEADER}\n子,11,10,\n父,10,1,\n有人,6,1,\n`);
    expect(rows(result)).toEqual([
      [11, 1, 0],
      [10, 1, 0],
      [6, 0, 0],
    ]);
    expect(sim.directory().departments.find((d) => d.id === 11)?.parentId).toBe(10);
  });

  it.each([
    ['a parent that is neither in the file nor the root', `${HEADER}\n研发,2,1,\n前端,4,99,\n`, 302004],
    ['a parent that exists in the directory but not in the file', `${HEADER}\n前端,4,2,\n`, 302004],
    ['a root row whose parent is not 0', `${HEADER}\n总部,1,2,\n研发,2,1,\n`, 302004],
    ['a non-root row with parent 0', `${HEADER}\n研发,2,0,\n`, 302004],
    ['a cycle', `${HEADER}\n甲,10,11,\n乙,11,10,\n`, 302004],
    ['an empty name', `${HEADER}\n,2,1,\n`, 302004],
    ['an empty id', `${HEADER}\n研发,,1,\n`, 302004],
    ['a duplicate id', `${HEADER}\n研发,2,1,\n研发二,2,1,\n`, 302006],
    ['two children with one name', `${HEADER}\n组,10,1,\n组,11,1,\n`, 302007],
  ])('fails the job with a job-level code for %s, changing nothing', async (_case, csv, code) => {
    const token = await start();
    const before = sim.directory();
    const answer = await submit(sim, token, 'replaceparty', csv);
    expect(answer.errcode).toBe(0);
    await sim.settled();
    const result = await getResult(sim, token, answer.jobid);
    expect(result.status).toBe(3);
    expect(result.result.every((r: { errcode: number }) => r.errcode === code)).toBe(true);
    expect(sim.jobs()[0].errCode).toBe(code);
    expect(sim.directory()).toEqual(before);
  });

  it('allows the same name under different parents, and the root row (1, parent 0) in the file', async () => {
    const token = await start();
    const result = await runImport(
      sim,
      token,
      'replaceparty',
      `${HEADER}\n总部,1,0,\n组,10,1,\n组,11,10,\n有人,6,1,\n`,
    );
    expect(result.result.every((r: { errcode: number }) => r.errcode === 0)).toBe(true);
  });

  it('reports row errors: illegal characters 60009, too long 60001, a name taken by a kept sibling 60008', async () => {
    const token = await start();
    const csv = [HEADER, '研发,2,1,', 'a:b,10,1,', `${'长'.repeat(33)},11,1,`, '有人,12,1,', '子,13,10,'].join('\n');
    const result = await runImport(sim, token, 'replaceparty', csv);
    expect(rows(result)).toEqual([
      [2, 0, 0],
      [10, 0, 60009],
      [11, 0, 60001],
      [12, 0, 60008], // department 6 (有人) is not in the file but keeps its member, and its name
      [13, 0, 60124], // its parent 10 was not created
    ]);
    expect(sim.directory().departments.map((d) => d.id)).toEqual([1, 2, 6]);
  });

  it('answers 40092 for a file without the required columns', async () => {
    const token = await start();
    const answer = await submit(sim, token, 'replaceparty', '部门名称,部门ID\n研发,2\n');
    expect(answer.errcode).toBe(40092);
  });
});
