import { afterEach, describe, expect, it } from '@jest/globals';
import { decrypt, getSignature } from '@wecom/crypto';
import { WeComSimulator } from '../../lib/testing/index.js';
import {
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  CORP_ID,
  MEMBER_HEADER,
  getToken,
  member,
  runExport,
  runImport,
  startReceiver,
  startSimulator,
  type CallbackReceiver,
  type ReceivedCallback,
} from './helpers.js';

let sim: WeComSimulator | undefined;
const receivers: CallbackReceiver[] = [];
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

/** A second key pair: the admin console's 通讯录同步 callback. */
const CONSOLE_TOKEN = 'consoleToken42';
const CONSOLE_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

async function receiver(behaviours?: Array<number | 'hang'>): Promise<CallbackReceiver> {
  const started = await startReceiver(behaviours);
  receivers.push(started);
  return started;
}

function encryptedOf(body: string): string {
  return /<Encrypt><!\[CDATA\[([^\]]+)\]\]><\/Encrypt>/.exec(body)?.[1] as string;
}

/** Checks the delivery's signature with `token`, decrypts it with `aesKey`; returns its receiveId and XML. */
function open(received: ReceivedCallback, token: string, aesKey: string): { id: string; message: string } {
  const encrypted = encryptedOf(received.body);
  const { msg_signature, timestamp, nonce } = received.query;
  expect(getSignature(token, timestamp, nonce, encrypted)).toBe(msg_signature);
  return decrypt(aesKey, encrypted);
}

const jobTypeOf = (xml: string): string | undefined => /<JobType><!\[CDATA\[(\w+)\]\]>/.exec(xml)?.[1];

describe('export completions on the console callback', () => {
  it('signs and encrypts them with the console keys (verified by @wecom/crypto), one JobType per export', async () => {
    const app = await receiver([200]);
    sim = await startSimulator(
      {},
      {
        users: [member('a', 1, { departments: [1] })],
        tags: [{ tagid: 3, tagname: 't', userids: ['a'] }],
        console: { url: app.url, token: CONSOLE_TOKEN, encodingAESKey: CONSOLE_AES_KEY },
      },
    );
    const token = await getToken(sim);
    const jobs = [];
    for (const [kind, body] of [
      ['user', {}],
      ['simple_user', {}],
      ['department', {}],
      ['taguser', { tagid: 3 }],
    ] as const) {
      jobs.push((await runExport(sim, token, kind, body)).jobid as string);
    }
    expect(app.received).toHaveLength(4);
    const events = app.received.map((r) => open(r, CONSOLE_TOKEN, CONSOLE_AES_KEY));
    expect(events.map((e) => e.id)).toEqual([CORP_ID, CORP_ID, CORP_ID, CORP_ID]);
    expect(events.map((e) => jobTypeOf(e.message))).toEqual([
      'export_user',
      'export_simple_user',
      'export_department',
      'export_taguser',
    ]);
    expect(events[0].message).toContain(`<JobId><![CDATA[${jobs[0]}]]></JobId>`);
    expect(events[0].message).toContain('<ErrCode>0</ErrCode>');
    expect(sim.deliveries(jobs[0])).toEqual([
      expect.objectContaining({ channel: 'console', url: app.url, ok: true, kind: 'first' }),
    ]);
    expect(sim.exportJobs().map((j) => j.callbackState)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
  });

  it("retries like WeCom when the console URL does not answer 200, and can name the tag export 'export_tag'", async () => {
    const app = await receiver([500, 'hang', 200]);
    sim = await startSimulator(
      { tagExportJobType: 'export_tag', callbackTimeoutMs: 200 },
      {
        tags: [{ tagid: 3, tagname: 't' }],
        console: { url: app.url, token: CONSOLE_TOKEN, encodingAESKey: CONSOLE_AES_KEY },
      },
    );
    const token = await getToken(sim);
    const { jobid } = await runExport(sim, token, 'taguser', { tagid: 3 });
    expect(sim.deliveries(jobid).map((d) => [d.kind, d.status ?? d.error])).toEqual([
      ['first', 500],
      ['retry', 'timeout'],
      ['retry', 200],
    ]);
    expect(jobTypeOf(open(app.received[2], CONSOLE_TOKEN, CONSOLE_AES_KEY).message)).toBe('export_tag');
  });

  it('sends nothing when the corp has no console callback (polling only)', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    await runExport(sim, token, 'department');
    expect(sim.deliveries()).toEqual([]);
    expect(sim.exportJobs()[0].callbackState).toBe('none');
  });

  it("delivers each corp's imports and exports with that corp's own keys", async () => {
    const appA = await receiver([200]);
    const appB = await receiver([200]);
    const consoleA = { url: appA.url, token: CONSOLE_TOKEN, encodingAESKey: CONSOLE_AES_KEY };
    const consoleB = { url: appB.url, token: 'corpBconsole', encodingAESKey: 'B'.repeat(43) };
    sim = await startSimulator({
      corps: [
        { corpId: 'wwcorpA', corpSecret: 'sa', console: consoleA },
        { corpId: 'wwcorpB', corpSecret: 'sb', console: consoleB },
      ],
    });
    const tokenA = await getToken(sim, 'wwcorpA', 'sa');
    const tokenB = await getToken(sim, 'wwcorpB', 'sb');
    const csv = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;
    // Corp B's import callback uses the keys of its own submission; its export the keys of its console.
    const importB = {
      callback: { url: appB.url, token: CALLBACK_TOKEN, encodingaeskey: CALLBACK_AES_KEY },
    };
    await runImport(sim, tokenB, 'syncuser', csv, importB);
    await runExport(sim, tokenA, 'simple_user');
    await runExport(sim, tokenB, 'simple_user');

    expect(appA.received).toHaveLength(1);
    expect(open(appA.received[0], CONSOLE_TOKEN, CONSOLE_AES_KEY).id).toBe('wwcorpA');
    expect(appB.received).toHaveLength(2);
    const [imported, exportedB] = appB.received;
    expect(open(imported, CALLBACK_TOKEN, CALLBACK_AES_KEY)).toMatchObject({ id: 'wwcorpB' });
    expect(jobTypeOf(open(imported, CALLBACK_TOKEN, CALLBACK_AES_KEY).message)).toBe('sync_user');
    const fromConsole = open(exportedB, 'corpBconsole', 'B'.repeat(43));
    expect(fromConsole.id).toBe('wwcorpB');
    expect(jobTypeOf(fromConsole.message)).toBe('export_simple_user');
    // Corp A's console keys do not open corp B's delivery.
    const { msg_signature, timestamp, nonce } = exportedB.query;
    expect(getSignature(CONSOLE_TOKEN, timestamp, nonce, encryptedOf(exportedB.body))).not.toBe(msg_signature);
    expect(sim.deliveries().map((d) => [d.corpId, d.channel])).toEqual([
      ['wwcorpB', 'job'],
      ['wwcorpA', 'console'],
      ['wwcorpB', 'console'],
    ]);
  });

  it('refuses invalid console, tag and withheld-field options at start', async () => {
    await expect(
      startSimulator(
        {},
        {
          console: { url: 'ftp://x', token: 'bad token', encodingAESKey: 'short' },
          tags: [
            { tagid: 0, tagname: '' },
            { tagid: 2, tagname: 't', userids: ['ghost'], partyids: [99] },
          ],
          withheldFields: ['name' as never],
        },
      ),
    ).rejects.toMatchObject({
      problems: [
        'corps[0].tags[0].tagid: must be an integer ≥ 1',
        'corps[0].tags[0].tagname: must be a non-empty string',
        "corps[0].tags[1].userids: ghost is not one of the corp's users",
        'corps[0].tags[1].partyids: department 99 does not exist',
        'corps[0].console.url: must be an http(s) URL',
        'corps[0].console.token: must be 1–32 letters or digits',
        'corps[0].console.encodingAESKey: must be 43 letters or digits',
        'corps[0].withheldFields: name is not one of avatar, gender, mobile, email, biz_mail, qr_code, address',
      ],
    });
  });
});
