import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator, type WeComSimulatorOptions } from '../../lib/testing/index.js';
import { DEPARTMENTS, MEMBER_HEADER, getResult, getToken, startSimulator, submit } from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

async function start(
  corp: Partial<WeComSimulatorOptions['corps'][number]> = {},
  options: Partial<WeComSimulatorOptions> = {},
) {
  sim = await startSimulator(options, { departments: DEPARTMENTS, ...corp });
  return getToken(sim);
}

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
