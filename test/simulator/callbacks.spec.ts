import { afterEach, describe, expect, it } from '@jest/globals';
import { decrypt, getSignature } from '@wecom/crypto';
import { WeComSimulator } from '../../lib/testing/index.js';
import {
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  CORP_ID,
  MEMBER_HEADER,
  callbackFor,
  getResult,
  getToken,
  startReceiver,
  startSimulator,
  submit,
  type CallbackReceiver,
} from './helpers.js';

let sim: WeComSimulator | undefined;
let receiver: CallbackReceiver | undefined;
afterEach(async () => {
  await sim?.close();
  await receiver?.close();
  sim = undefined;
  receiver = undefined;
});

const CSV = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match ? (match[1] ?? match[2]) : undefined;
}

describe('batch_job_result callbacks', () => {
  it('POSTs an envelope the official @wecom/crypto package verifies and decrypts to the §8.1 event', async () => {
    receiver = await startReceiver([200]);
    const now = Date.UTC(2026, 3, 1, 12);
    sim = await startSimulator({ clock: () => now });
    const token = await getToken(sim);
    const { jobid } = await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();

    expect(receiver.received).toHaveLength(1);
    const [{ query, headers, body }] = receiver.received;
    expect(headers['content-type']).toBe('text/xml');
    expect(Object.keys(query).sort()).toEqual(['msg_signature', 'nonce', 'timestamp']);
    expect(query.timestamp).toBe(String(now / 1000));
    expect(element(body, 'ToUserName')).toBe(CORP_ID);
    expect(element(body, 'AgentID')).toBe('');
    const encrypted = element(body, 'Encrypt') as string;
    expect(getSignature(CALLBACK_TOKEN, query.timestamp, query.nonce, encrypted)).toBe(query.msg_signature);

    const { message, id } = decrypt(CALLBACK_AES_KEY, encrypted);
    expect(id).toBe(CORP_ID);
    expect(message).toBe(
      `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
        `<CreateTime>${now / 1000}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
        `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobid}]]></JobId>` +
        `<JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>`,
    );

    const [delivery] = sim.deliveries();
    expect(delivery).toMatchObject({
      jobId: jobid,
      corpId: CORP_ID,
      url: receiver.url,
      attempt: 1,
      kind: 'first',
      status: 200,
      ok: true,
      done: true,
      plaintext: message,
      body,
      query,
      event: { ToUserName: CORP_ID, JobId: jobid, JobType: 'sync_user', ErrCode: 0, ErrMsg: 'ok', FromUserName: 'sys' },
    });
    expect(delivery.durationMs).toBeGreaterThanOrEqual(0);
    expect(sim.jobs()[0].callbackState).toBe('delivered');
    // The job is done (and its rows readable) by the time the callback arrives.
    expect((await getResult(sim, token, jobid)).status).toBe(3);
  });

  it('carries the job-level ErrCode: 45026 from the deletion guard, 302005 from failNextJob()', async () => {
    receiver = await startReceiver([200]);
    sim = await startSimulator({}, { users: [{ userid: 'a', name: 'A', mobile: '13800000009', departments: [1] }] });
    const token = await getToken(sim);
    await submit(sim, token, 'replaceuser', CSV, callbackFor(receiver));
    await sim.settled();
    sim.failNextJob(302005);
    await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.deliveries().map((d) => [d.event.JobType, d.event.ErrCode])).toEqual([
      ['replace_user', 45026],
      ['sync_user', 302005],
    ]);
    const plaintext = decrypt(CALLBACK_AES_KEY, element(receiver.received[1].body, 'Encrypt') as string).message;
    expect(element(plaintext, 'ErrCode')).toBe('302005');
    expect(sim.directory().users.map((u) => u.userid)).toEqual(['a']);
  });

  it('retries when the app answers non-200, until it gets 200', async () => {
    receiver = await startReceiver([500, 503, 200]);
    sim = await startSimulator();
    const token = await getToken(sim);
    const { jobid } = await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.deliveries(jobid).map((d) => [d.attempt, d.kind, d.status, d.ok])).toEqual([
      [1, 'first', 500, false],
      [2, 'retry', 503, false],
      [3, 'retry', 200, true],
    ]);
    expect(sim.jobs()[0].callbackState).toBe('delivered');
    // Every attempt is freshly signed and encrypted, and decrypts to the same event (same CreateTime).
    const messages = receiver.received.map(({ query, body }) => {
      const encrypted = element(body, 'Encrypt') as string;
      expect(getSignature(CALLBACK_TOKEN, query.timestamp, query.nonce, encrypted)).toBe(query.msg_signature);
      return decrypt(CALLBACK_AES_KEY, encrypted).message;
    });
    expect(new Set(messages).size).toBe(1);
    expect(new Set(receiver.received.map((r) => element(r.body, 'Encrypt'))).size).toBe(3);
  });

  it('counts an answer slower than the callback timeout as a failure and retries', async () => {
    receiver = await startReceiver(['hang', 200]);
    sim = await startSimulator({ callbackTimeoutMs: 150 });
    const token = await getToken(sim);
    await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    const [first, second] = sim.deliveries();
    expect(first).toMatchObject({ attempt: 1, error: 'timeout', ok: false, status: undefined });
    expect(first.durationMs).toBeGreaterThanOrEqual(140);
    expect(second).toMatchObject({ attempt: 2, kind: 'retry', status: 200, ok: true });
  });

  it('gives up after the first attempt plus `callbackRetries` retries (default 3)', async () => {
    receiver = await startReceiver([500]);
    sim = await startSimulator();
    const token = await getToken(sim);
    await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.deliveries().map((d) => d.status)).toEqual([500, 500, 500, 500]);
    expect(sim.jobs()[0].callbackState).toBe('failed');
    await sim.close();

    sim = await startSimulator({ callbackRetries: 1 });
    const token2 = await getToken(sim);
    await submit(sim, token2, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.deliveries()).toHaveLength(2);
  });

  it('records a refused connection as a failed attempt', async () => {
    receiver = await startReceiver([200]);
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    sim = await startSimulator({ callbackRetries: 1 });
    const token = await getToken(sim);
    await submit(sim, token, 'syncuser', CSV, {
      callback: { url, token: CALLBACK_TOKEN, encodingaeskey: CALLBACK_AES_KEY },
    });
    await sim.settled();
    expect(sim.deliveries().map((d) => [d.ok, d.error])).toEqual([
      [false, 'ECONNREFUSED'],
      [false, 'ECONNREFUSED'],
    ]);
  });

  it('dropNextCallback() swallows the next callback; the one after is sent', async () => {
    receiver = await startReceiver([200]);
    sim = await startSimulator();
    const token = await getToken(sim);
    sim.dropNextCallback();
    const first = await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    const second = await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.jobs().map((j) => [j.jobId, j.callbackState])).toEqual([
      [first.jobid, 'dropped'],
      [second.jobid, 'delivered'],
    ]);
    expect(receiver.received).toHaveLength(1);
    expect(sim.deliveries().map((d) => d.jobId)).toEqual([second.jobid]);
  });

  it('duplicateNextCallback(n) re-sends the delivered event n more times', async () => {
    receiver = await startReceiver([200]);
    sim = await startSimulator();
    const token = await getToken(sim);
    sim.duplicateNextCallback(2);
    const { jobid } = await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(sim.deliveries().map((d) => [d.jobId, d.kind, d.status])).toEqual([
      [jobid, 'first', 200],
      [jobid, 'duplicate', 200],
      [jobid, 'duplicate', 200],
    ]);
    const jobIds = receiver.received.map((r) =>
      element(decrypt(CALLBACK_AES_KEY, element(r.body, 'Encrypt') as string).message, 'JobId'),
    );
    expect(jobIds).toEqual([jobid, jobid, jobid]);
    // Only the next callback was duplicated.
    await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    await sim.settled();
    expect(receiver.received).toHaveLength(4);
  });

  it('close() aborts a delivery in flight and pending retries, without waiting for the callback timeout', async () => {
    receiver = await startReceiver(['hang']);
    sim = await startSimulator({ callbackTimeoutMs: 60_000 });
    const token = await getToken(sim);
    await submit(sim, token, 'syncuser', CSV, callbackFor(receiver));
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await sim.close();
    await sim.settled();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sim.deliveries()).toEqual([expect.objectContaining({ ok: false, error: 'aborted', done: true })]);
    expect(sim.jobs()[0].callbackState).toBe('failed');
  });
});
