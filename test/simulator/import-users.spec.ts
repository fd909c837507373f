import { afterEach, describe, expect, it } from '@jest/globals';
import { UNASSIGNED_DEPARTMENT_NAME, WeComSimulator, type WeComSimulatorOptions } from '../../lib/testing/index.js';
import {
  DEPARTMENTS,
  MEMBER_HEADER,
  getResult,
  getToken,
  member,
  postJson,
  runImport,
  startSimulator,
  submit,
  upload,
} from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

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
