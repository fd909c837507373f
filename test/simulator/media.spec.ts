import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import { MEMBER_HEADER, getToken, postJson, startSimulator, upload, uploadRaw, type Json } from './helpers.js';

let sim: WeComSimulator;
afterEach(() => sim?.close());

const CSV = `${MEMBER_HEADER}\n张三,zhangsan,13800000001,,1\n`;

async function rawUpload(body: Buffer, contentType: string, token: string, type = 'file'): Promise<Json> {
  const res = await fetch(`${sim.baseUrl}/cgi-bin/media/upload?access_token=${token}&type=${type}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return (await res.json()) as Json;
}

describe('media/upload', () => {
  it('stores the `media` part with its filename, content type and bytes and answers like WeCom', async () => {
    let now = Date.UTC(2026, 5, 1, 8);
    sim = await startSimulator({ clock: () => now });
    const token = await getToken(sim);
    const answer = await uploadRaw(sim, token, CSV, '成员.csv');
    expect(answer).toEqual({
      errcode: 0,
      errmsg: 'ok',
      type: 'file',
      media_id: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
      created_at: String(Math.floor(now / 1000)),
    });
    now += 1000;
    const [stored] = sim.uploads();
    expect(stored.mediaId).toBe(answer.media_id);
    expect(stored.filename).toBe('成员.csv');
    expect(stored.contentType).toBe('text/csv');
    expect(stored.bytes.toString('utf8')).toBe(CSV);
    expect(stored.expiresAt - stored.createdAt).toBe(3 * 24 * 3600 * 1000);
  });

  it("accepts WeCom's own documented request (no space before filename, a filelength parameter)", async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const boundary = '-------------------------acebdf13572468';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="media";filename="wework.txt"; filelength=6\r\n` +
        `Content-Type: application/octet-stream\r\n\r\nmytext\r\n--${boundary}--\r\n`,
    );
    const answer = await rawUpload(body, `multipart/form-data; boundary=${boundary}`, token);
    expect(answer.errcode).toBe(0);
    expect(sim.uploads()[0]).toMatchObject({ filename: 'wework.txt', contentType: 'application/octet-stream' });
    expect(sim.uploads()[0].bytes.toString()).toBe('mytext');
  });

  it('answers 40006 for a file of 5 bytes or less and accepts 6', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    expect((await uploadRaw(sim, token, '12345')).errcode).toBe(40006);
    expect((await uploadRaw(sim, token, '')).errcode).toBe(40006);
    expect((await uploadRaw(sim, token, '123456')).errcode).toBe(0);
  });

  it('answers 45001 for a file over 20 MB and accepts exactly 20 MB', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const twentyMb = 20 * 1024 * 1024;
    expect((await uploadRaw(sim, token, Buffer.alloc(twentyMb + 1, 0x61))).errcode).toBe(45001);
    expect((await uploadRaw(sim, token, Buffer.alloc(twentyMb, 0x61))).errcode).toBe(0);
  });

  it('answers 41005 without a `media` part, 44001 for a body that is not multipart, 40005 for a bad type', async () => {
    sim = await startSimulator();
    const token = await getToken(sim);
    const form = new FormData();
    form.append('file', new Blob(['some,content\n']), 'a.csv');
    const wrongField = await fetch(`${sim.baseUrl}/cgi-bin/media/upload?access_token=${token}&type=file`, {
      method: 'POST',
      body: form,
    });
    expect(((await wrongField.json()) as Json).errcode).toBe(41005);
    expect((await rawUpload(Buffer.from('{"media":"x"}'), 'application/json', token)).errcode).toBe(44001);
    expect((await uploadRaw(sim, token, CSV, 'a.csv', 'document')).errcode).toBe(40005);
    expect(sim.uploads()).toEqual([]);
  });

  it('media ids expire after 3 simulated days (40007 when used), and unknown ids are 40007 too', async () => {
    let now = Date.UTC(2026, 0, 1);
    sim = await startSimulator({ clock: () => now, tokenTtlSeconds: 10 * 24 * 3600 });
    const token = await getToken(sim);
    const mediaId = await upload(sim, token, CSV);
    const fresh = await upload(sim, token, CSV);
    now += 3 * 24 * 3600 * 1000 - 1;
    const stillValid = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: fresh });
    expect(stillValid.errcode).toBe(0);
    await sim.settled();
    now += 1;
    const expired = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: mediaId });
    expect(expired.errcode).toBe(40007);
    const unknown = await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${token}`, { media_id: 'nope' });
    expect(unknown.errcode).toBe(40007);
  });

  it('keeps uploads per corp: another corp cannot use the media id', async () => {
    sim = await startSimulator({
      corps: [
        { corpId: 'wwa', corpSecret: 'a' },
        { corpId: 'wwb', corpSecret: 'b' },
      ],
    });
    const a = await getToken(sim, 'wwa', 'a');
    const b = await getToken(sim, 'wwb', 'b');
    const mediaId = await upload(sim, a, CSV);
    expect(sim.uploads('wwa')).toHaveLength(1);
    expect(sim.uploads('wwb')).toHaveLength(0);
    expect((await postJson(sim, `/cgi-bin/batch/syncuser?access_token=${b}`, { media_id: mediaId })).errcode).toBe(
      40007,
    );
  });
});
