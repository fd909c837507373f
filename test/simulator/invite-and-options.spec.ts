import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator, WeComSimulatorError, type WeComSimulatorOptions } from '../../lib/testing/index.js';
import { getToken, postJson, startSimulator, submit } from './helpers.js';

let sim: WeComSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('batch/invite', () => {
  async function start(): Promise<string> {
    sim = await startSimulator(
      {},
      {
        departments: [{ id: 2, name: '研发', parentId: 1, order: 0 }],
        users: [{ userid: 'ZhangSan', name: '张三', mobile: '13800000001', departments: [2] }],
        tagIds: [101],
      },
    );
    return getToken(sim);
  }

  it('invites and reports unknown users, parties and tags in invaliduser/invalidparty/invalidtag', async () => {
    const token = await start();
    const answer = await postJson(sim as WeComSimulator, `/cgi-bin/batch/invite?access_token=${token}`, {
      user: ['zhangsan', 'ghost'],
      party: [1, 2, 99],
      tag: [101, 102],
    });
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', invaliduser: ['ghost'], invalidparty: [99], invalidtag: [102] });
    expect(sim?.invitations()).toEqual([{ at: expect.any(Number), users: ['zhangsan'], parties: [1, 2], tags: [101] }]);
  });

  it('omits the invalid lists when everything is valid', async () => {
    const token = await start();
    const answer = await postJson(sim as WeComSimulator, `/cgi-bin/batch/invite?access_token=${token}`, {
      user: ['ZhangSan'],
    });
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
  });

  it('refuses all-empty lists (40063) and more than 1000 users / 100 parties / 100 tags (40058)', async () => {
    const token = await start();
    const path = `/cgi-bin/batch/invite?access_token=${token}`;
    const s = sim as WeComSimulator;
    expect((await postJson(s, path, {})).errcode).toBe(40063);
    expect((await postJson(s, path, { user: [], party: [], tag: [] })).errcode).toBe(40063);
    const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect((await postJson(s, path, { user: users(1001) })).errcode).toBe(40058);
    expect((await postJson(s, path, { party: ids(101) })).errcode).toBe(40058);
    expect((await postJson(s, path, { tag: ids(101) })).errcode).toBe(40058);
    expect((await postJson(s, path, { user: 'zhangsan' })).errcode).toBe(40058);
    const atLimit = await postJson(s, path, { user: users(1000), party: ids(100), tag: ids(100) });
    expect(atLimit.errcode).toBe(0);
    expect(atLimit.invaliduser).toHaveLength(1000);
    expect(s.invitations()).toHaveLength(1);
  });
});

describe('WeComSimulator.start() options', () => {
  it('listens on 127.0.0.1 on a free port by default and closes idempotently', async () => {
    sim = await startSimulator();
    expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await sim.close();
    await sim.close();
    await expect(fetch(`${sim.baseUrl}/cgi-bin/gettoken`)).rejects.toThrow();
  });

  it('close() stops running jobs: settled() returns and the directory is left as it was', async () => {
    sim = await startSimulator({ jobDelayMs: 60_000 });
    const token = await getToken(sim);
    const answer = await submit(sim, token, 'syncuser', '姓名,帐号,手机号,所在部门\n张三,zs,13800000001,1\n');
    expect(answer.errcode).toBe(0);
    const started = Date.now();
    await sim.close();
    await sim.settled();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sim.jobs()[0].status).toBe(1);
    expect(sim.directory().users).toEqual([]);
  });

  it('adds the root department and exposes the initial directory', async () => {
    sim = await startSimulator({}, { users: [{ userid: 'a', name: 'A', email: 'a@example.com', departments: [1] }] });
    expect(sim.directory()).toEqual({
      departments: [{ id: 1, name: 'wwsimcorp0000001', parentId: 0, order: 0 }],
      users: [{ userid: 'a', name: 'A', email: 'a@example.com', departments: [1] }],
    });
  });

  it('throws a WeComSimulatorError listing every problem of invalid options', async () => {
    const options = {
      jobDelayMs: -1,
      callbackRetries: 1.5,
      corps: [
        {
          corpId: 'wwa',
          corpSecret: '',
          creator: 'nobody',
          departments: [{ id: 2, name: 'x', parentId: 9, order: 0 }],
          users: [
            { userid: '-x', name: 'A', mobile: '1', departments: [1] },
            { userid: 'b', name: 'B', departments: [7] },
          ],
        },
        { corpId: 'wwa', corpSecret: 's' },
      ],
    } as WeComSimulatorOptions;
    const error = await WeComSimulator.start(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeComSimulatorError);
    expect((error as WeComSimulatorError).problems).toEqual([
      'jobDelayMs: must be a number ≥ 0 (or Infinity)',
      'callbackRetries: must be an integer ≥ 0',
      'corps[0].corpSecret: must be a non-empty string or a list of them',
      'corps[0].departments: the parent 9 of department 2 does not exist',
      'corps[0].users[0].userid: 1–64 bytes of letters, digits, _-@. starting with a letter or digit',
      'corps[0].users[1].departments: department 7 does not exist',
      'corps[0].users[1]: needs a mobile or an email (WeCom 60129)',
      "corps[0].creator: nobody is not one of the corp's users",
      'corps[1].corpId: wwa is listed twice',
    ]);
    await expect(WeComSimulator.start({ corps: [] })).rejects.toThrow(/at least one corp/);
  });
});
