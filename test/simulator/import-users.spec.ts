import { afterEach, describe, expect, it } from '@jest/globals';
import {
  UNASSIGNED_DEPARTMENT_NAME,
  WeComSimulator,
  type SimulatedMember,
  type WeComSimulatorOptions,
} from '../../lib/testing/index.js';
import { MEMBER_HEADER, getResult, getToken, postJson, runImport, startSimulator, submit, upload } from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

const DEPARTMENTS = [
  { id: 1, name: '总部', parentId: 0, order: 0 },
  { id: 2, name: '研发', parentId: 1, order: 10 },
  { id: 3, name: '销售', parentId: 1, order: 5 },
];

function member(userid: string, n: number, extra: Partial<SimulatedMember> = {}): SimulatedMember {
  return { userid, name: `成员${n}`, mobile: `1380000${String(n).padStart(4, '0')}`, departments: [2], ...extra };
}

async function start(
  corp: Partial<WeComSimulatorOptions['corps'][number]> = {},
  options: Partial<WeComSimulatorOptions> = {},
) {
  sim = await startSimulator(options, { departments: DEPARTMENTS, ...corp });
  return getToken(sim);
}

describe('batch/syncuser', () => {
  it('upserts: updates the columns in the file, leaves absent columns and absent members untouched, creates new ones', async () => {
    const token = await start({
      users: [
        member('zhangsan', 1, { position: '工程师', email: 'zs@example.com', alias: 'Sam' }),
        member('lisi', 2, { position: '经理' }),
      ],
    });
    const result = await runImport(
      sim,
      token,
      'syncuser',
      '姓名,帐号,手机号,所在部门,职位\n张三丰,ZhangSan,13900000001,2;3,架构师\n王五,wangwu,13900000003,3,销售\n',
    );
    expect(result).toEqual({
      errcode: 0,
      errmsg: 'ok',
      status: 3,
      type: 'sync_user',
      total: 2,
      percentage: 100,
      result: [
        { userid: 'zhangsan', errcode: 0, errmsg: 'ok' },
        { userid: 'wangwu', errcode: 0, errmsg: 'ok' },
      ],
    });
    const users = sim.directory().users;
    expect(users.find((u) => u.userid === 'zhangsan')).toEqual({
      userid: 'zhangsan',
      name: '张三丰',
      mobile: '13900000001',
      email: 'zs@example.com', // 邮箱 column absent: untouched
      alias: 'Sam', // 别名 column absent: untouched
      departments: [2, 3],
      position: '架构师',
    });
    expect(users.find((u) => u.userid === 'lisi')).toEqual(member('lisi', 2, { position: '经理' }));
    expect(users.find((u) => u.userid === 'wangwu')).toEqual({
      userid: 'wangwu',
      name: '王五',
      mobile: '13900000003',
      departments: [3],
      position: '销售',
    });
  });

  it('reads every template column, 账号 as well as 帐号, a BOM, CRLF and RFC 4180 quotes', async () => {
    const token = await start({ extAttrs: ['年龄'] });
    const csv =
      '\uFEFF姓名,账号,手机号,邮箱,所在部门,职位,性别,是否部门内领导,排序,别名,地址,座机,禁用,禁用项说明：(0-启用;1-禁用),年龄,爱好\r\n' +
      '"李, 四",lisi,+86-13800000002,lisi@example.com,2;3,"说""明""",女,1;0,100;5,Lee,"深圳市\n南山区",0755-12345678,1,,30,跑步\r\n';
    const result = await runImport(sim, token, 'syncuser', csv);
    expect(result.result).toEqual([{ userid: 'lisi', errcode: 0, errmsg: 'ok' }]);
    expect(sim.directory().users).toEqual([
      {
        userid: 'lisi',
        name: '李, 四',
        mobile: '+86-13800000002',
        email: 'lisi@example.com',
        departments: [2, 3],
        position: '说"明"',
        gender: '2',
        isLeaderInDept: [true, false],
        order: [100, 5],
        alias: 'Lee',
        address: '深圳市\n南山区',
        telephone: '0755-12345678',
        disabled: true,
        extAttrs: { 年龄: '30' }, // 爱好 is not an attribute of the corp: ignored
      },
    ]);
  });

  it('leaves a field unchanged for an empty cell', async () => {
    const token = await start({ users: [member('zhangsan', 1, { email: 'zs@example.com', position: 'x' })] });
    await runImport(sim, token, 'syncuser', '姓名,帐号,手机号,邮箱,所在部门,职位\n张三,zhangsan,,,2,\n');
    expect(sim.directory().users[0]).toEqual(
      member('zhangsan', 1, { name: '张三', email: 'zs@example.com', position: 'x' }),
    );
  });

  it('creates unknown department ids under 其他(待设置部门)', async () => {
    const token = await start();
    await runImport(sim, token, 'syncuser', `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2;77\n`);
    const { departments, users } = sim.directory();
    const holder = departments.find((d) => d.name === UNASSIGNED_DEPARTMENT_NAME);
    expect(holder).toMatchObject({ parentId: 1 });
    expect(departments.find((d) => d.id === 77)).toEqual({ id: 77, name: '77', parentId: holder?.id, order: 0 });
    expect(users[0].departments).toEqual([2, 77]);
  });

  it('reports per-row errors with realistic codes and applies the other rows', async () => {
    const token = await start({ users: [member('owner', 1, { email: 'owner@example.com' })] });
    const csv = [
      '姓名,帐号,手机号,邮箱,所在部门,是否部门内领导',
      `甲,a1,13800000001,,2,`, // mobile of owner → 60104
      `乙,a2,,OWNER@example.com,2,`, // email of owner (case-insensitive) → 60106
      `丙,a3,,,2,`, // neither mobile nor email → 60129
      `丁,-bad,13900000004,,2,`, // userid must start with a letter or digit → 40003
      `戊,a5,13900000005,,2;3,1`, // one leader flag for two departments → 60132
      `己,a6,13900000006,,x,`, // non-numeric department → 60123
      `,a7,13900000007,,2,`, // no name → 60112
      `庚,a8,13900000008,,,`, // no department → 60127
      `辛,a9,12-34x,,2,`, // invalid mobile → 60103
      `壬,a10,13900000010,not-an-email,2,`, // invalid email → 60105
      `癸,a11,13900000011,,2,`, // fine
    ].join('\n');
    const result = await runImport(sim, token, 'syncuser', csv);
    expect(result.result.map((r: { userid: string; errcode: number }) => [r.userid, r.errcode])).toEqual([
      ['a1', 60104],
      ['a2', 60106],
      ['a3', 60129],
      ['-bad', 40003],
      ['a5', 60132],
      ['a6', 60123],
      ['a7', 60112],
      ['a8', 60127],
      ['a9', 60103],
      ['a10', 60105],
      ['a11', 0],
    ]);
    expect(result.result[0].errmsg).toBe('mobile existed');
    expect(sim.directory().users.map((u) => u.userid)).toEqual(['a11', 'owner']);
  });

  it('fails the whole job with 302003 when the file repeats a userid (ignoring case), changing nothing', async () => {
    const token = await start();
    const answer = await submit(
      sim,
      token,
      'syncuser',
      `${MEMBER_HEADER}\n甲,dup,13800000001,,2\n乙,DUP,13800000002,,2\n丙,ok,13800000003,,2\n`,
    );
    expect(answer.errcode).toBe(0);
    await sim.settled();
    const result = await getResult(sim, token, answer.jobid);
    expect(result.status).toBe(3);
    expect(result.result.map((r: { errcode: number }) => r.errcode)).toEqual([302003, 302003, 302003]);
    expect(sim.jobs()[0]).toMatchObject({ errCode: 302003, status: 3 });
    expect(sim.directory().users).toEqual([]);
  });

  it('answers 40092 for an empty file, a header without rows, missing required columns or a non-UTF-8 file', async () => {
    const token = await start();
    const cases: Array<string | Buffer> = [
      `${MEMBER_HEADER}\n`,
      '姓名,帐号,手机号,邮箱\n张三,zs,138,,\n', // no 所在部门
      '帐号,手机号,所在部门\nzs,13800000001,1\n', // no 姓名
      '姓名,帐号,所在部门,职位\n张三,zs,1,x\n', // neither 手机号 nor 邮箱
      Buffer.concat([
        Buffer.from('姓名,帐号,手机号,所在部门\n'),
        Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
        Buffer.from(',zs,138,1\n'),
      ]),
      '"unclosed,quote\n',
    ];
    for (const csv of cases) {
      const answer = await submit(sim, token, 'syncuser', csv);
      expect([answer.errcode, answer.errmsg]).toEqual([
        40092,
        expect.stringContaining('import file contains invalid content'),
      ]);
    }
    expect(sim.jobs()).toEqual([]);
  });

  it('needs media_id (41006); ignores a `callbacks` key; to_invite defaults to true', async () => {
    const token = await start();
    expect((await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, {})).errcode).toBe(41006);
    const csv = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2\n`;
    await submit(sim, token, 'syncuser', csv, {
      callbacks: { url: 'http://127.0.0.1:9/cb', token: 'abc', encodingaeskey: 'a'.repeat(43) },
    });
    await sim.settled();
    await submit(sim, token, 'syncuser', csv, { to_invite: false });
    await sim.settled();
    expect(sim.jobs().map((j) => [j.toInvite, j.callbackUrl, j.callbackState])).toEqual([
      [true, undefined, 'none'],
      [false, undefined, 'none'],
    ]);
    expect(sim.deliveries()).toEqual([]);
  });

  it('rejects a malformed callback with 40057 and malformed JSON with 40058', async () => {
    const token = await start();
    const mediaId = await upload(sim, token, `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2\n`);
    const bad = [
      { url: 'ftp://x/cb', token: 'abc', encodingaeskey: 'a'.repeat(43) },
      { url: 'http://x/cb', token: 'abc!', encodingaeskey: 'a'.repeat(43) },
      { url: 'http://x/cb', token: 'abc', encodingaeskey: 'a'.repeat(42) },
    ];
    for (const callback of bad) {
      const answer = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, {
        media_id: mediaId,
        callback,
      });
      expect(answer.errcode).toBe(40057);
    }
    const notBoolean = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, {
      media_id: mediaId,
      to_invite: 'no',
    });
    expect(notBoolean.errcode).toBe(40058);
    expect(sim.jobs()).toEqual([]);
    const broken = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, '{"media_id":');
    expect([broken.errcode, broken.errmsg]).toEqual([40058, expect.stringContaining('Warning: wrong json format.')]);
  });
});

describe('batch/replaceuser', () => {
  it('makes the members equal the file: updates, creates, deletes the rest — but never the creator (301005)', async () => {
    const token = await start({
      creator: 'boss',
      users: [
        member('boss', 1),
        member('keep', 2, { alias: 'K', email: 'keep@example.com' }),
        member('gone1', 3),
        member('gone2', 4),
        member('gone3', 5),
        member('gone4', 6),
        member('gone5', 7),
      ],
    });
    // Deletes 5 of 7 (71 %): under the 80 % guard. The leaver's mobile is free for the newcomer.
    const result = await runImport(
      sim,
      token,
      'replaceuser',
      '姓名,帐号,手机号,邮箱,所在部门\n留下,keep,13800000002,,3\n新人,newbie,13800000003,,2\n',
    );
    expect(result.type).toBe('replace_user');
    expect(result.result).toEqual([
      { userid: 'keep', errcode: 0, errmsg: 'ok' },
      { userid: 'newbie', errcode: 0, errmsg: 'ok' },
      { userid: 'boss', errcode: 301005, errmsg: 'can not delete the creator' },
    ]);
    const users = sim.directory().users;
    expect(users.map((u) => u.userid)).toEqual(['boss', 'keep', 'newbie']);
    // The file wins for its columns (the empty 邮箱 cell clears the email); 别名 is not in the file: untouched.
    expect(users[1]).toEqual({ userid: 'keep', name: '留下', mobile: '13800000002', departments: [3], alias: 'K' });
  });

  it('45026 deletion guard, default mode: the job fails with ErrCode 45026 and nothing changes (<50 and >80 %)', async () => {
    const users = Array.from({ length: 10 }, (_, i) => member(`u${i}`, i));
    const token = await start({ users });
    // Keeps 1 of 10: deletes 9 = 90 %.
    const answer = await submit(sim, token, 'replaceuser', `${MEMBER_HEADER}\n成员0,u0,13800000000,,2\n`);
    expect(answer.errcode).toBe(0);
    await sim.settled();
    const result = await getResult(sim, token, answer.jobid);
    expect(result.result).toEqual([{ userid: 'u0', errcode: 45026, errmsg: 'trigger delete user protection' }]);
    expect(sim.jobs()[0]).toMatchObject({ errCode: 45026, errMsg: 'trigger delete user protection' });
    expect(sim.directory().users).toHaveLength(10);
    // Deleting exactly 8 of 10 (80 %) is allowed.
    const allowed = await runImport(
      sim,
      token,
      'replaceuser',
      `${MEMBER_HEADER}\n成员0,u0,13800000000,,2\n成员1,u1,13800000001,,2\n`,
    );
    expect(allowed.result.map((r: { errcode: number }) => r.errcode)).toEqual([0, 0]);
    expect(sim.directory().users).toHaveLength(2);
  });

  it('45026 for more than 50 deletions that are more than 20 % of the headcount; 51 of 300 (17 %) passes', async () => {
    const users = Array.from({ length: 300 }, (_, i) => member(`u${i}`, i));
    const token = await start({ users });
    const rows = (keep: number) =>
      [MEMBER_HEADER, ...users.slice(0, keep).map((u) => `${u.name},${u.userid},${u.mobile},,2`)].join('\n') + '\n';
    const blocked = await runImport(sim, token, 'replaceuser', rows(239)); // deletes 61 = 20.3 %
    expect(blocked.result[0].errcode).toBe(45026);
    expect(sim.directory().users).toHaveLength(300);
    const passed = await runImport(sim, token, 'replaceuser', rows(249)); // deletes 51 = 17 %
    expect(passed.result.every((r: { errcode: number }) => r.errcode === 0)).toBe(true);
    expect(sim.directory().users).toHaveLength(249);
  });

  it("45026 deletion guard in deletionGuard: 'submit' mode: replaceuser itself answers 45026, no job", async () => {
    const token = await start({ users: [member('a', 1), member('b', 2)] }, { deletionGuard: 'submit' });
    const answer = await submit(sim, token, 'replaceuser', `${MEMBER_HEADER}\n新,c,13900000000,,2\n`);
    expect(answer.errcode).toBe(45026);
    expect(sim.jobs()).toEqual([]);
  });
});

describe('jobs and batch/getresult', () => {
  it('reports status 1 → 2 → 3 with percentage, and rows only once done', async () => {
    // Status 1 for the first half of jobDelayMs, 2 for the second: long enough to observe on a busy machine.
    const token = await start({}, { jobDelayMs: 1000 });
    const answer = await submit(sim, token, 'syncuser', `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2\n`);
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', jobid: expect.any(String) });
    expect(Buffer.byteLength(answer.jobid)).toBeLessThanOrEqual(64);
    const started = await getResult(sim, token, answer.jobid);
    expect(started).toEqual({
      errcode: 0,
      errmsg: 'ok',
      status: 1,
      type: 'sync_user',
      total: 1,
      percentage: 0,
      result: [],
    });
    expect(sim.directory().users).toEqual([]);
    let running = started;
    while (running.status === 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      running = await getResult(sim, token, answer.jobid);
    }
    expect(running.status).toBe(2);
    expect(running.percentage).toBeGreaterThan(0);
    expect(running.percentage).toBeLessThan(100);
    expect(running.result).toEqual([]);
    expect(sim.directory().users).toEqual([]);
    await sim.settled();
    const done = await getResult(sim, token, answer.jobid);
    expect(done).toMatchObject({ status: 3, percentage: 100, result: [{ userid: 'zhangsan', errcode: 0 }] });
    expect(sim.directory().users.map((u) => u.userid)).toEqual(['zhangsan']);
  });

  it('runs one import at a time per corp, across job types: 302008 while one runs', async () => {
    const token = await start({}, { jobDelayMs: Infinity });
    const first = await submit(sim, token, 'syncuser', `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2\n`);
    expect(first.errcode).toBe(0);
    const party = await submit(sim, token, 'replaceparty', '部门名称,部门ID,父部门ID,排序\n研发,2,1,1\n');
    expect(party.errcode).toBe(302008);
    const replace = await submit(sim, token, 'replaceuser', `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,2\n`);
    expect(replace.errcode).toBe(302008);
    expect((await getResult(sim, token, first.jobid)).status).toBe(1);
    sim.completeJobs();
    expect((await getResult(sim, token, first.jobid)).status).toBe(3);
    const next = await submit(sim, token, 'replaceparty', '部门名称,部门ID,父部门ID,排序\n研发,2,1,1\n销售,3,1,1\n');
    expect(next.errcode).toBe(0);
    expect(sim.jobs().map((j) => [j.type, j.status])).toEqual([
      ['sync_user', 3],
      ['replace_party', 1],
    ]);
  });

  it('answers 40088 for an unknown job (or another corp’s) and 40089 once five newer jobs exist', async () => {
    sim = await startSimulator({
      jobDelayMs: 0,
      corps: [
        { corpId: 'wwa', corpSecret: 'a' },
        { corpId: 'wwb', corpSecret: 'b' },
      ],
    });
    const a = await getToken(sim, 'wwa', 'a');
    const b = await getToken(sim, 'wwb', 'b');
    const csv = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;
    const jobIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const answer = await submit(sim, a, 'syncuser', csv);
      jobIds.push(answer.jobid);
      await sim.settled();
    }
    expect((await getResult(sim, a, 'not-a-job')).errcode).toBe(40088);
    expect((await getResult(sim, b, jobIds[5])).errcode).toBe(40088);
    expect((await getResult(sim, a, jobIds[0])).errcode).toBe(40089);
    for (const jobId of jobIds.slice(1)) expect((await getResult(sim, a, jobId)).errcode).toBe(0);
    expect(sim.jobs('wwa').map((j) => j.resultAvailable)).toEqual([false, true, true, true, true, true]);
  });
});
