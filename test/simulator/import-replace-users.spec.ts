import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator, type WeComSimulatorOptions } from '../../lib/testing/index.js';
import {
  DEPARTMENTS,
  MEMBER_HEADER,
  getResult,
  getToken,
  member,
  runImport,
  startSimulator,
  submit,
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
