import { afterEach, describe, expect, it } from '@jest/globals';
import { Agent, get as httpGet } from 'node:http';
import { WeComSimulator, WeComSimulatorError } from '../../lib/testing/index.js';
import { CORP_ID, MEMBER_HEADER, SECRET, getJson, getToken, postJson, startSimulator, upload } from './helpers.js';

// The faults and the inspection an HTTP client's own specs need: a hang, a slow body, scripted answers,
// the unredacted request log with the client's port, and control over the tokens.

let sim: WeComSimulator;
afterEach(() => sim?.close());

const CSV = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;
const TOKEN_PATH = `/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${SECRET}`;

/** GET through `agent`, resolving the status, the time the headers came and the whole body's time. */
function timedGet(
  url: string,
  agent?: Agent,
): Promise<{ status: number; headersMs: number; bodyMs: number; text: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      const headersMs = Date.now() - started;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headersMs,
          bodyMs: Date.now() - started,
          text: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('faults for HTTP-client specs', () => {
  it('hangNext reads the request and never answers; the next request is answered again', async () => {
    sim = await startSimulator();
    sim.hangNext('gettoken');
    await expect(fetch(`${sim.baseUrl}${TOKEN_PATH}`, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.requests('gettoken')).toHaveLength(1);
    expect(sim.requests('gettoken')[0].fault).toBe('hang');
    expect(sim.requests('gettoken')[0].status).toBeUndefined();
    expect(sim.tokenFetches()).toBe(0);
    expect((await getJson(sim, TOKEN_PATH)).errcode).toBe(0);
  });

  it('hangNext({ afterProcessing }) creates the job and then never answers', async () => {
    sim = await startSimulator({ jobDelayMs: Infinity });
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    sim.hangNext('batch/syncuser', { afterProcessing: true });
    const post = fetch(`${sim.baseUrl}/cgi-bin/batch/syncuser?access_token=${token}`, {
      method: 'POST',
      body: JSON.stringify({ media_id: mediaId }),
      signal: AbortSignal.timeout(200),
    });
    await expect(post).rejects.toThrow();
    expect(sim.jobs()).toHaveLength(1);
  });

  it('slowBodyNext sends the headers at once and trickles the body over the given time', async () => {
    sim = await startSimulator();
    sim.slowBodyNext('gettoken', 800);
    const slow = await timedGet(`${sim.baseUrl}${TOKEN_PATH}`);
    expect(slow.status).toBe(200);
    expect(slow.headersMs).toBeLessThan(400);
    expect(slow.bodyMs).toBeGreaterThanOrEqual(700);
    expect(JSON.parse(slow.text)).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(sim.requests('gettoken')[0].fault).toBe('slowBody');
    expect((await timedGet(`${sim.baseUrl}${TOKEN_PATH}`)).bodyMs).toBeLessThan(400);
  });

  it('answerNext writes a scripted answer unprocessed: a raw text 200, a JSON 500, or one computed', async () => {
    sim = await startSimulator();
    sim.answerNext('gettoken', { status: 200, body: '<html>login</html>' });
    sim.answerNext('gettoken', { status: 500, body: { errcode: 40088, errmsg: 'jobid not found' } });
    sim.answerNext('gettoken', (request) => ({ body: { errcode: 0, echoed: request.query.corpsecret } }));
    const text = await fetch(`${sim.baseUrl}${TOKEN_PATH}`);
    expect([text.status, await text.text()]).toEqual([200, '<html>login</html>']);
    const json = await fetch(`${sim.baseUrl}${TOKEN_PATH}`);
    expect([json.status, await json.json()]).toEqual([500, { errcode: 40088, errmsg: 'jobid not found' }]);
    expect(await getJson(sim, TOKEN_PATH)).toEqual({ errcode: 0, echoed: SECRET });
    expect(sim.tokenFetches()).toBe(0);
    expect(sim.requests().map((r) => [r.fault, r.status, r.errcode])).toEqual([
      ['answer', 200, undefined],
      ['answer', 500, 40088],
      ['answer', 200, 0],
    ]);
    expect(() => sim.answerNext('gettoken', { status: 99, body: 'x' })).toThrow(WeComSimulatorError);
  });

  it('respondWith replaces the processing after the token check, also for a path the simulator does not serve', async () => {
    sim = await startSimulator();
    sim.respondWith('agent/get', (request) => ({ body: { errcode: 0, userid: request.query.userid, name: '张三' } }));
    sim.respondWith('batch/syncuser', () => ({ body: { errcode: 0, errmsg: 'ok', jobid: 'JOB' }, delayMs: 20 }));
    expect((await getJson(sim, '/cgi-bin/agent/get?access_token=nope&userid=zhangsan')).errcode).toBe(40014);
    const token = await getToken(sim);
    expect(await getJson(sim, `/cgi-bin/agent/get?access_token=${token}&userid=zhangsan`)).toEqual({
      errcode: 0,
      userid: 'zhangsan',
      name: '张三',
    });
    const path = `/cgi-bin/batch/syncuser?access_token=${token}`;
    expect(await postJson(sim, path, { media_id: 'm' })).toEqual({ errcode: 0, errmsg: 'ok', jobid: 'JOB' });
    expect(sim.jobs()).toEqual([]);
    sim.respondWith('batch/syncuser', undefined);
    expect((await postJson(sim, path, { media_id: 'm' })).errcode).toBe(40007);
    sim.respondWith('agent/get', undefined);
    expect((await getJson(sim, `/cgi-bin/agent/get?access_token=${token}`)).errcode).toBe(48001);
  });

  it('rawRequests shows the request as sent (token, target, headers, bytes); requests() still redacts', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    await postJson(sim, `/cgi-bin/batch/invite?access_token=${token}&x=1`, '{"user":["李四"]}');
    const [raw] = sim.rawRequests('batch/invite');
    expect(raw.accessToken).toBe(token);
    expect(raw.url).toBe(`/cgi-bin/batch/invite?access_token=${token}&x=1`);
    expect(raw.headers['content-type']).toBe('application/json');
    expect(raw.bodyBytes.toString('utf8')).toBe('{"user":["李四"]}');
    expect(raw.query.access_token).toBe(token);
    const [redacted] = sim.requests('batch/invite');
    expect(redacted.query.access_token).toBe('***');
    expect(JSON.stringify(sim.requests())).not.toContain(token);
    expect(JSON.stringify(sim.requests())).not.toContain(SECRET);
  });

  it("logs the client's port: equal on a kept-alive connection, different on a new one", async () => {
    sim = await startSimulator();
    const pooled = new Agent({ keepAlive: true, maxSockets: 1 });
    await timedGet(`${sim.baseUrl}${TOKEN_PATH}`, pooled);
    await timedGet(`${sim.baseUrl}${TOKEN_PATH}`, pooled);
    pooled.destroy();
    await timedGet(`${sim.baseUrl}${TOKEN_PATH}`, new Agent({ keepAlive: false }));
    const ports = sim.requests().map((r) => r.remotePort);
    expect(ports.every((p) => typeof p === 'number')).toBe(true);
    expect(ports[1]).toBe(ports[0]);
    expect(ports[2]).not.toBe(ports[0]);
  });

  it('issuedTokens lists every token; issueToken makes a valid one without a request', async () => {
    sim = await startSimulator();
    const fetched = await getToken(sim);
    const issued = sim.issueToken();
    expect(sim.issuedTokens()).toEqual([fetched, issued]);
    expect(sim.tokenFetches()).toBe(1);
    expect(sim.requests()).toHaveLength(1);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${issued}&jobid=x`)).errcode).toBe(40088);
    sim.expireTokens();
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${issued}&jobid=x`)).errcode).toBe(42001);
  });

  it('configureTokens changes expires_in and delays the gettoken answers from now on', async () => {
    sim = await startSimulator();
    sim.configureTokens({ ttlSeconds: 1, answerDelayMs: 150 });
    const started = Date.now();
    const answer = await getJson(sim, TOKEN_PATH);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.expires_in).toBe(1);
    sim.advanceTime(1000);
    expect((await getJson(sim, `/cgi-bin/batch/getresult?access_token=${answer.access_token}&jobid=x`)).errcode).toBe(
      42001,
    );
    expect(() => sim.configureTokens({ ttlSeconds: 0 })).toThrow(WeComSimulatorError);
  });
});
