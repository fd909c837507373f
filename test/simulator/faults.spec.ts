import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator, WeComSimulatorError } from '../../lib/testing/index.js';
import {
  CORP_ID,
  MEMBER_HEADER,
  SECRET,
  getJson,
  getToken,
  postJson,
  startSimulator,
  upload,
  type Json,
} from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

const CSV = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;
const TOKEN_PATH = `/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${SECRET}`;

describe('fault injection', () => {
  it('failNext answers the given errcodes, in the order queued, for `times` requests, then works again', async () => {
    sim = await startSimulator();
    sim.failNext('gettoken', { errcode: -1, times: 2 });
    sim.failNext('gettoken', { errcode: 45009, errmsg: 'api freq out of limit' });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await getJson(sim, TOKEN_PATH)).errcode);
    expect(codes).toEqual([-1, -1, 45009, 0]);
    expect(sim.tokenFetches()).toBe(1);
    expect(sim.requests('gettoken').map((r) => r.fault)).toEqual(['errcode', 'errcode', 'errcode', undefined]);
  });

  it('failNext on a submission does not create a job (e.g. 302005, 45033, 42001 with a valid token)', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    sim.failNext('batch/syncuser', { errcode: 42001 });
    sim.failNext('batch/syncuser', { errcode: 302005 });
    const path = `/cgi-bin/batch/syncuser?access_token=${token}`;
    expect((await postJson(sim, path, { media_id: mediaId })).errcode).toBe(42001);
    const failed = await postJson(sim, path, { media_id: mediaId });
    expect(failed.errcode).toBe(302005);
    expect(failed.errmsg).toMatch(/more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=302005$/);
    expect(sim.jobs()).toEqual([]);
    expect((await postJson(sim, path, { media_id: mediaId })).errcode).toBe(0);
  });

  it('failNextHttp answers an HTTP error with a non-JSON body, unprocessed', async () => {
    sim = await startSimulator();
    sim.failNextHttp('gettoken', { status: 502, body: 'Bad Gateway' });
    const res = await fetch(`${sim.baseUrl}${TOKEN_PATH}`);
    expect(res.status).toBe(502);
    expect(await res.text()).toBe('Bad Gateway');
    expect(sim.tokenFetches()).toBe(0);
    expect((await getJson(sim, TOKEN_PATH)).errcode).toBe(0);
    expect(sim.requests().map((r) => r.status)).toEqual([502, 200]);
  });

  it('resetNext destroys the connection before processing: no job exists', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    sim.resetNext('batch/syncuser');
    await expect(
      postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: mediaId }),
    ).rejects.toThrow();
    expect(sim.jobs()).toEqual([]);
    const [logged] = sim.requests('batch/syncuser');
    expect(logged.fault).toBe('reset');
    expect(logged.status).toBeUndefined();
  });

  it('resetNext({ afterProcessing }) creates the job but never answers: a blind re-post meets 302008', async () => {
    sim = await startSimulator({ jobDelayMs: Infinity });
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    sim.resetNext('batch/syncuser', { afterProcessing: true });
    const path = `/cgi-bin/batch/syncuser?access_token=${token}`;
    await expect(postJson(sim, path, { media_id: mediaId })).rejects.toThrow();
    expect(sim.jobs()).toHaveLength(1);
    expect(sim.jobs()[0].status).toBe(1);
    expect((await postJson(sim, path, { media_id: mediaId })).errcode).toBe(302008);
    sim.completeJobs();
    expect(sim.directory().users.map((u) => u.userid)).toEqual(['zhangsan']);
  });

  it('delayNext processes at once but answers late (a client timeout after the request was applied)', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    sim.delayNext('batch/syncuser', 300);
    const started = Date.now();
    const pending = postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: mediaId });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.jobs()).toHaveLength(1);
    const answer: Json = await pending;
    expect(answer.errcode).toBe(0);
    expect(answer.jobid).toBe(sim.jobs()[0].jobId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // Only the next request was delayed.
    await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=${answer.jobid}`);
    await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: mediaId });
    expect(sim.requests().map((r) => r.fault)).toEqual([undefined, undefined, 'delay', undefined, undefined]);
  });

  it('faults of one endpoint never touch another; clearFaults() forgets them all', async () => {
    sim = await startSimulator();
    sim.failNext('batch/invite', { errcode: -1 });
    sim.resetNext('batch/getresult', { times: 3 });
    sim.dropNextCallback();
    expect((await getJson(sim, TOKEN_PATH)).errcode).toBe(0);
    sim.clearFaults();
    const token = await getToken(sim);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=x`)).errcode).toBe(40088);
    expect((await postJson(sim, `/cgi-bin/batch/invite?access_token=${token}`, { party: [1] })).errcode).toBe(0);
  });

  it('rejects bad fault arguments with a WeComSimulatorError', async () => {
    sim = await startSimulator();
    expect(() => sim.failNext('batch/nope' as 'gettoken', { errcode: -1 })).toThrow(WeComSimulatorError);
    expect(() => sim.failNext('gettoken', { errcode: 0 })).toThrow(/non-zero/);
    expect(() => sim.failNext('gettoken', { errcode: -1, times: 0 })).toThrow(/≥ 1/);
    expect(() => sim.failNextHttp('gettoken', { status: 200 })).toThrow(WeComSimulatorError);
    expect(() => sim.delayNext('gettoken', -5)).toThrow(WeComSimulatorError);
    expect(() => sim.duplicateNextCallback(0)).toThrow(WeComSimulatorError);
    expect(() => sim.directory('wwunknown')).toThrow(/Unknown corp wwunknown/);
  });
});
