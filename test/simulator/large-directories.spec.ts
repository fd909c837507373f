import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import {
  MEMBER_HEADER,
  getResult,
  getToken,
  postJson,
  readFiles,
  runExport,
  runImport,
  startSimulator,
  submit,
  upload,
  type Json,
} from './helpers.js';

let sim: WeComSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function listIds(token: string): Promise<Json[]> {
  const rows: Json[] = [];
  let cursor = '';
  do {
    const page = await postJson(sim!, `/cgi-bin/user/list_id?access_token=${token}`, { cursor, limit: 10_000 });
    rows.push(...page.dept_user);
    cursor = page.next_cursor;
  } while (cursor);
  return rows;
}

function memberCsv(from: number, count: number, name = (i: number) => `成员${i}`): string {
  const lines = [MEMBER_HEADER];
  for (let i = from; i < from + count; i++) lines.push(`${name(i)},v${i},1${String(i).padStart(10, '0')},,1`);
  return `${lines.join('\n')}\n`;
}

describe('generated directories (generateMembers)', () => {
  it('makes realistic, unique members in generated departments, the same for the same seed', async () => {
    sim = await startSimulator();
    sim.generateMembers(undefined, 2_500, 3);
    sim.forceExportBlockSize(1_000);
    const token = await getToken(sim);
    const result = await runExport(sim, token, 'user');
    expect(result.data_list).toHaveLength(3);
    const users = (await readFiles(result)).flatMap((d) => d.userlist as Json[]);
    expect(users).toHaveLength(2_500);
    expect(users[0].userid).toBe('u0000000');
    expect(new Set(users.map((u) => u.userid)).size).toBe(2_500);
    expect(new Set(users.map((u) => u.mobile)).size).toBe(2_500);
    const departments = new Set(sim.directory().departments.map((d) => d.id));
    for (const u of users) {
      expect(u.name).toMatch(/^[\u4e00-\u9fa5]{2,3}$/);
      expect(u.mobile).toMatch(/^1[35789]\d{9}$/);
      expect(u.department.length).toBeGreaterThanOrEqual(1);
      expect(u.department.length).toBeLessThanOrEqual(3);
      expect(u.department.every((id: number) => departments.has(id))).toBe(true);
      expect(u.position).not.toBe('');
      expect(['1', '2']).toContain(u.gender);
    }
    expect(users.some((u) => u.department.length > 1)).toBe(true);
    expect(users.some((u) => u.email !== '')).toBe(true);
    // user/list_id agrees with the export, row per department.
    const rows = await listIds(token);
    expect(rows).toEqual(users.flatMap((u) => u.department.map((d: number) => ({ userid: u.userid, department: d }))));

    const again = await startSimulator();
    try {
      again.generateMembers(undefined, 2_500, 3);
      const other = await startSimulator();
      other.generateMembers(undefined, 2_500, 4);
      const same = again.directory().users;
      // directory() sorts by userid, which is the generated order.
      expect(same.map((u) => u.name)).toEqual(users.map((u) => u.name));
      expect(other.directory().users.map((u) => u.name)).not.toEqual(same.map((u) => u.name));
      await other.close();
    } finally {
      await again.close();
    }
  });

  it('materialises the generated members once an import changes them', async () => {
    sim = await startSimulator();
    sim.generateMembers(undefined, 300);
    const token = await getToken(sim);
    const answer = await runImport(sim, token, 'syncuser', `${MEMBER_HEADER}\n新名字,u0000007,,,1\n`);
    expect(answer.result).toEqual([{ userid: 'u0000007', errcode: 0, errmsg: 'ok' }]);
    const { users } = sim.directory();
    expect(users).toHaveLength(300);
    expect(users.find((u) => u.userid === 'u0000007')).toMatchObject({ name: '新名字', departments: [1] });
    const [{ userlist }] = await readFiles(await runExport(sim, token, 'simple_user'));
    expect(userlist.find((u: Json) => u.userid === 'u0000007').name).toBe('新名字');
  });

  it('refuses a bad count or seed', async () => {
    sim = await startSimulator();
    expect(() => sim!.generateMembers(undefined, -1)).toThrow('count must be an integer');
    expect(() => sim!.generateMembers(undefined, 10, 1.5)).toThrow('seed must be an integer');
    expect(() => sim!.generateMembers('nope', 10)).toThrow('Unknown corp nope');
  });
});

describe('big imports (time slices)', () => {
  it('applies a big file in slices: the job answers status 2 meanwhile, then 3 with every row', async () => {
    sim = await startSimulator({ jobDelayMs: Infinity });
    const token = await getToken(sim);
    const { jobid, errcode } = await submit(sim, token, 'syncuser', memberCsv(0, 8_000));
    expect(errcode).toBe(0);
    sim.completeJobs();
    expect(sim.jobs()[0].status).toBe(2);
    expect((await getResult(sim, token, jobid)).status).toBe(2);
    await sim.settled();
    const res = await fetch(`${sim.baseUrl}/cgi-bin/batch/getresult?access_token=${token}&jobid=${jobid}`);
    // More than 5,000 rows: written in pieces (chunked), still one JSON document.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const answer = (await res.json()) as Json;
    expect(answer).toMatchObject({ errcode: 0, status: 3, total: 8_000, percentage: 100 });
    expect(answer.result).toHaveLength(8_000);
    expect(answer.result[7_999]).toEqual({ userid: 'v7999', errcode: 0, errmsg: 'ok' });
    expect(sim.directory().users).toHaveLength(8_000);
  });

  it('applies a big replaceuser in slices with the deletion guard: allowed under 20 %, 45026 above', async () => {
    sim = await startSimulator();
    sim.generateMembers(undefined, 7_000);
    const token = await getToken(sim);
    const keep = (n: number): string => {
      const lines = [MEMBER_HEADER];
      for (let i = 0; i < n; i++)
        lines.push(`成员${i},u${String(i).padStart(7, '0')},1${String(i).padStart(10, '0')},,1`);
      return `${lines.join('\n')}\n`;
    };
    const refused = await runImport(sim, token, 'replaceuser', keep(5_001)); // deletes 1,999 of 7,000
    expect(refused).toMatchObject({ status: 3, total: 5_001 });
    expect(refused.result).toHaveLength(5_001);
    expect(refused.result.every((r: Json) => r.errcode === 45026)).toBe(true);
    expect(sim.jobs()[0].errCode).toBe(45026);
    expect(sim.directory().users).toHaveLength(7_000);

    const applied = await runImport(sim, token, 'replaceuser', keep(6_500)); // deletes 500 (7 %)
    expect(applied.result).toHaveLength(6_500);
    expect(applied.result.filter((r: Json) => r.errcode !== 0)).toEqual([]);
    const users = sim.directory().users;
    expect(users).toHaveLength(6_500);
    expect(users.find((u) => u.userid === 'u0006499')).toMatchObject({ name: '成员6499', departments: [1] });
    expect(users.some((u) => u.userid === 'u0006500')).toBe(false);
  });

  it('reads a file over 1 MB in slices with the same rules, and holds the import slot meanwhile (302008)', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const big = memberCsv(0, 40_000, (i) => (i === 5 ? '"张,三"' : `成员${i}`));
    expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024);
    const [first, second] = await Promise.all([
      upload(sim, token, big).then((media_id) =>
        postJson(sim!, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id }),
      ),
      upload(sim, token, memberCsv(50_000, 40_000)).then((media_id) =>
        postJson(sim!, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id }),
      ),
    ]);
    expect([first.errcode, second.errcode].sort()).toEqual([0, 302008]);
    await sim.settled();
    const users = sim.directory().users;
    expect(users).toHaveLength(40_000);
    // The quoted cell with a comma was read as one name by the sliced parser.
    if (first.errcode === 0) expect(users.find((u) => u.userid === 'v5')?.name).toBe('张,三');
    else expect(users.find((u) => u.userid === 'v50005')?.name).toBe('成员50005');

    const broken = `${memberCsv(100_000, 40_000)}坏,"v9,1\n`;
    const refused = await submit(sim, token, 'syncuser', broken);
    expect(refused.errcode).toBe(40092);
    expect(refused.errmsg).toMatch(/^import file contains invalid content: the file is not valid CSV/);
  });
});
