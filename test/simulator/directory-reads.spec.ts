import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import { DEPARTMENTS, EXPORT_KEY, getJson, getToken, member, postJson, startSimulator, type Json } from './helpers.js';

let sim: WeComSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const TREE = [
  ...DEPARTMENTS,
  { id: 4, name: '前端', parentId: 2, order: 1 },
  { id: 5, name: '组件', parentId: 4, order: 0 },
];

async function listAll(token: string, limit: number): Promise<{ pages: Json[]; rows: Json[] }> {
  const pages: Json[] = [];
  let cursor: string | undefined;
  do {
    const page = await postJson(sim!, `/cgi-bin/user/list_id?access_token=${token}`, { cursor, limit });
    expect(page.errcode).toBe(0);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor);
  return { pages, rows: pages.flatMap((p) => p.dept_user) };
}

describe('user/list_id, department/simplelist, department/list, user/get, user/batchdelete', () => {
  it('lists one row per member × department, `limit` rows a page, "" as the last next_cursor', async () => {
    sim = await startSimulator(
      {},
      {
        departments: TREE,
        users: [member('a', 1, { departments: [2, 3, 4] }), member('b', 2), member('c', 3, { departments: [5] })],
      },
    );
    const token = await getToken(sim);
    const { pages, rows } = await listAll(token, 2);
    expect(rows).toEqual([
      { userid: 'a', department: 2 },
      { userid: 'a', department: 3 },
      { userid: 'a', department: 4 },
      { userid: 'b', department: 2 },
      { userid: 'c', department: 5 },
    ]);
    expect(pages.map((p) => p.dept_user.length)).toEqual([2, 2, 1]);
    expect(pages.at(-1)!.next_cursor).toBe('');
  });

  it('keeps a listing consistent while the directory changes between pages', async () => {
    sim = await startSimulator({}, { departments: DEPARTMENTS, users: [member('a', 1), member('b', 2)] });
    const token = await getToken(sim);
    const first = await postJson(sim, `/cgi-bin/user/list_id?access_token=${token}`, { limit: 1 });
    await postJson(sim, `/cgi-bin/user/batchdelete?access_token=${token}`, { useridlist: ['b'] });
    const second = await postJson(sim, `/cgi-bin/user/list_id?access_token=${token}`, {
      cursor: first.next_cursor,
      limit: 1,
    });
    expect(second.dept_user).toEqual([{ userid: 'b', department: 2 }]);
    const fresh = await postJson(sim, `/cgi-bin/user/list_id?access_token=${token}`, { limit: 10 });
    expect(fresh.dept_user).toEqual([{ userid: 'a', department: 2 }]);
  });

  it('refuses a bad limit or cursor with 40058', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    for (const body of [{ limit: 0 }, { limit: 10_001 }, { limit: '5' }, { cursor: 'forged', limit: 5 }]) {
      expect((await postJson(sim, `/cgi-bin/user/list_id?access_token=${token}`, body)).errcode).toBe(40058);
    }
  });

  it('answers department/simplelist for the whole tree or a subtree, department_id without names', async () => {
    sim = await startSimulator({}, { departments: TREE });
    const token = await getToken(sim);
    const all = await getJson(sim, `/cgi-bin/department/simplelist?access_token=${token}`);
    expect(all.department_id).toEqual(TREE.map((d) => ({ id: d.id, parentid: d.parentId, order: d.order })));
    const sub = await getJson(sim, `/cgi-bin/department/simplelist?access_token=${token}&id=2`);
    expect(sub.department_id.map((d: Json) => d.id)).toEqual([2, 4, 5]);
    expect((await getJson(sim, `/cgi-bin/department/simplelist?access_token=${token}&id=9`)).errcode).toBe(60123);
    const list = await getJson(sim, `/cgi-bin/department/list?access_token=${token}&id=4`);
    expect(list.department).toEqual([
      { id: 4, name: '前端', name_en: '', department_leader: [], parentid: 2, order: 1 },
      { id: 5, name: '组件', name_en: '', department_leader: [], parentid: 4, order: 0 },
    ]);
  });

  it('answers 48009 to every detail read once restricted, while the ID lists keep working', async () => {
    sim = await startSimulator({}, { departments: DEPARTMENTS, users: [member('a', 1)] });
    const token = await getToken(sim);
    sim.restrictDetailReads();
    const q = `access_token=${token}`;
    for (const kind of ['user', 'simple_user', 'department']) {
      const refused = await postJson(sim, `/cgi-bin/export/${kind}?${q}`, { encoding_aeskey: EXPORT_KEY });
      expect(refused.errcode).toBe(48009);
      expect(refused.errmsg).toMatch(/通讯录同步助手从新增IP读取通讯录详情/);
    }
    expect((await getJson(sim, `/cgi-bin/user/get?${q}&userid=a`)).errcode).toBe(48009);
    expect((await getJson(sim, `/cgi-bin/department/list?${q}`)).errcode).toBe(48009);
    expect((await postJson(sim, `/cgi-bin/user/list_id?${q}`, { limit: 10 })).dept_user).toEqual([
      { userid: 'a', department: 2 },
    ]);
    expect((await getJson(sim, `/cgi-bin/department/simplelist?${q}`)).errcode).toBe(0);
    expect(sim.exportJobs()).toEqual([]);
    sim.restrictDetailReads(false);
    expect((await getJson(sim, `/cgi-bin/user/get?${q}&userid=a`)).name).toBe('成员1');
  });

  it('restricts only the corp it is told to', async () => {
    sim = await startSimulator({
      corps: [
        { corpId: 'wwa', corpSecret: 'a' },
        { corpId: 'wwb', corpSecret: 'b' },
      ],
    });
    sim.restrictDetailReads(true, 'wwb');
    const a = await getToken(sim, 'wwa', 'a');
    const b = await getToken(sim, 'wwb', 'b');
    expect(
      (await postJson(sim, `/cgi-bin/export/department?access_token=${a}`, { encoding_aeskey: EXPORT_KEY })).errcode,
    ).toBe(0);
    expect(
      (await postJson(sim, `/cgi-bin/export/department?access_token=${b}`, { encoding_aeskey: EXPORT_KEY })).errcode,
    ).toBe(48009);
  });

  it('deletes with user/batchdelete all or nothing: 60111 for an unknown userid, 301005 for the creator', async () => {
    const users = Array.from({ length: 4 }, (_, i) => member(`u${i}`, i));
    sim = await startSimulator({}, { departments: DEPARTMENTS, users, creator: 'u0' });
    const token = await getToken(sim);
    const url = `/cgi-bin/user/batchdelete?access_token=${token}`;
    const unknown = await postJson(sim, url, { useridlist: ['u1', 'ghost'] });
    expect(unknown.errcode).toBe(60111);
    expect(unknown.errmsg).toMatch(/^userid not found: ghost/);
    expect((await postJson(sim, url, { useridlist: ['u1', 'u0'] })).errcode).toBe(301005);
    expect(sim.directory().users).toHaveLength(4);
    expect((await postJson(sim, url, { useridlist: [] })).errcode).toBe(40063);
    expect((await postJson(sim, url, { useridlist: 'u1' })).errcode).toBe(40058);
    expect((await postJson(sim, url, { useridlist: Array.from({ length: 201 }, (_, i) => `x${i}`) })).errcode).toBe(
      40058,
    );
    expect(await postJson(sim, url, { useridlist: ['U1', 'u2'] })).toEqual({ errcode: 0, errmsg: 'deleted' });
    expect(sim.directory().users.map((u) => u.userid)).toEqual(['u0', 'u3']);
  });

  it('answers user/get with the member, 60111 for an unknown userid', async () => {
    sim = await startSimulator({}, { departments: DEPARTMENTS, users: [member('a', 1, { isLeaderInDept: [true] })] });
    const token = await getToken(sim);
    expect(await getJson(sim, `/cgi-bin/user/get?access_token=${token}&userid=a`)).toMatchObject({
      errcode: 0,
      userid: 'a',
      department: [2],
      is_leader_in_dept: [1],
      status: 1,
    });
    expect((await getJson(sim, `/cgi-bin/user/get?access_token=${token}&userid=zz`)).errcode).toBe(60111);
  });
});
