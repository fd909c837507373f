import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import { CORP_ID, SECRET, getJson, getToken, postJson, startSimulator } from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

const HINT =
  /^.+, hint: \[\d+_\d+_[0-9a-f]+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=(-?\d+)$/;

describe('gettoken', () => {
  it('issues an opaque access_token with expires_in 7200 and counts the fetches per corp', async () => {
    sim = await startSimulator();
    const answer = await getJson(sim, `/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${SECRET}`);
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', access_token: expect.any(String), expires_in: 7200 });
    expect(answer.access_token.length).toBeGreaterThanOrEqual(64);
    expect(answer.access_token.length).toBeLessThanOrEqual(512);
    const again = await getToken(sim);
    expect(again).not.toBe(answer.access_token);
    expect(sim.tokenFetches()).toBe(2);
    expect(sim.tokenFetches(CORP_ID)).toBe(2);
  });

  it('answers 40001 for a wrong secret, 40013 for an unknown corp, 41002/41004 for missing params', async () => {
    sim = await startSimulator();
    const wrong = await getJson(sim, `/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=nope`);
    expect(wrong.errcode).toBe(40001);
    expect(wrong.errmsg).toMatch(HINT);
    expect(HINT.exec(wrong.errmsg)?.[1]).toBe('40001');
    expect((await getJson(sim, `/cgi-bin/gettoken?corpid=wwother&corpsecret=${SECRET}`)).errcode).toBe(40013);
    expect((await getJson(sim, `/cgi-bin/gettoken?corpsecret=${SECRET}`)).errcode).toBe(41002);
    expect((await getJson(sim, `/cgi-bin/gettoken?corpid=${CORP_ID}`)).errcode).toBe(41004);
    expect(sim.tokenFetches()).toBe(0);
  });

  it('accepts every secret of a corp and keeps corps apart', async () => {
    sim = await startSimulator({
      corps: [
        { corpId: 'wwa', corpSecret: ['sync-secret', 'app-secret'] },
        { corpId: 'wwb', corpSecret: 'b-secret' },
      ],
    });
    await getToken(sim, 'wwa', 'sync-secret');
    await getToken(sim, 'wwa', 'app-secret');
    expect((await getJson(sim, '/cgi-bin/gettoken?corpid=wwb&corpsecret=sync-secret')).errcode).toBe(40001);
    expect(sim.tokenFetches('wwa')).toBe(2);
    expect(sim.tokenFetches('wwb')).toBe(0);
  });
});

describe('access_token on the other endpoints', () => {
  it('answers 41001 when it is missing from the query string, even if the body carries it', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const answer = await postJson(sim, '/cgi-bin/batch/invite', { access_token: token, user: ['a'] });
    expect(answer.errcode).toBe(41001);
    expect((await getJson(sim, '/cgi-bin/batch/getresult?jobid=x')).errcode).toBe(41001);
  });

  it('answers 40014 for an unknown token and 42001 once it expires in simulated time', async () => {
    let now = Date.UTC(2026, 0, 1);
    sim = await startSimulator({ clock: () => now, tokenTtlSeconds: 60 });
    expect((await getJson(sim, '/cgi-bin/batch/getresult?access_token=forged&jobid=x')).errcode).toBe(40014);
    const token = await getToken(sim);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=x`)).errcode).toBe(40088);
    now += 59_999;
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=x`)).errcode).toBe(40088);
    now += 1;
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=x`)).errcode).toBe(42001);
  });

  it('advanceTime() moves the simulated clock forward', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const before = sim.now();
    sim.advanceTime(7200_000);
    expect(sim.now()).toBeGreaterThanOrEqual(before + 7200_000);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=x`)).errcode).toBe(42001);
  });

  it('expireTokens() → 42001 and revokeTokens() → 40014 on the next use; new tokens work again', async () => {
    sim = await startSimulator();
    const first = await getToken(sim);
    sim.expireTokens();
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${first}&jobid=x`)).errcode).toBe(42001);
    const second = await getToken(sim);
    sim.revokeTokens(CORP_ID);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${second}&jobid=x`)).errcode).toBe(40014);
    const third = await getToken(sim);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${third}&jobid=x`)).errcode).toBe(40088);
  });
});

describe('routing', () => {
  it('answers an unknown path with HTTP 404 and errcode 48001', async () => {
    sim = await startSimulator();
    const res = await fetch(`${sim.baseUrl}/cgi-bin/agent/get?access_token=x`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errcode: number }).errcode).toBe(48001);
  });

  it('answers the wrong method with 40063 and HTTP 200', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const res = await fetch(`${sim.baseUrl}/cgi-bin/batch/syncuser?access_token=${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await res.json()) as { errcode: number }).errcode).toBe(40063);
    const post = await fetch(`${sim.baseUrl}/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${SECRET}`, {
      method: 'POST',
    });
    expect(((await post.json()) as { errcode: number }).errcode).toBe(40063);
  });

  it('logs every request with the token and secret redacted', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, {
      media_id: 'x',
      callback: { url: 'http://127.0.0.1:1/cb', token: 'abc', encodingaeskey: 'k'.repeat(43) },
    });
    const log = sim.requests();
    expect(log.map((r) => [r.endpoint, r.status, r.errcode])).toEqual([
      ['gettoken', 200, 0],
      ['batch/syncuser', 200, 40007],
    ]);
    expect(log[0].query).toEqual({ corpid: CORP_ID, corpsecret: '***' });
    expect(log[1].query).toEqual({ access_token: '***' });
    expect(log[1].corpId).toBe(CORP_ID);
    expect(log[1].body).toEqual({
      media_id: 'x',
      callback: { url: 'http://127.0.0.1:1/cb', token: '***', encodingaeskey: '***' },
    });
    expect(JSON.stringify(log)).not.toContain(token);
    expect(JSON.stringify(log)).not.toContain(SECRET);
    expect(sim.requests('gettoken')).toHaveLength(1);
  });
});
