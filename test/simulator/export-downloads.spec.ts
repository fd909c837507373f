import { afterEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { WeComSimulator } from '../../lib/testing/index.js';
import {
  decryptExportFile,
  download,
  getJson,
  getToken,
  member,
  runExport,
  startSimulator,
  type Json,
} from './helpers.js';

let sim: WeComSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** A finished export/user of 40 members (one file of a few KB). */
async function exported(options: Parameters<typeof startSimulator>[0] = {}): Promise<{ token: string; result: Json }> {
  sim = await startSimulator(options, {
    users: Array.from({ length: 40 }, (_, i) =>
      member(`user${i}`, i, { departments: [1], position: '职位'.repeat(i % 5) }),
    ),
  });
  const token = await getToken(sim);
  return { token, result: await runExport(sim, token, 'user') };
}

/** GETs `url` and collects what arrives until the connection ends or breaks. */
function rawGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status?: number; bytes: Buffer; broken: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    const req = request(url, { headers, agent: false }, (res) => {
      status = res.statusCode;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status, bytes: Buffer.concat(chunks), broken: false }));
      res.on('error', () => resolve({ status, bytes: Buffer.concat(chunks), broken: true }));
      res.on('aborted', () => resolve({ status, bytes: Buffer.concat(chunks), broken: true }));
    });
    req.on('error', () => resolve({ status, bytes: Buffer.concat(chunks), broken: true }));
    req.end();
  });
}

describe('export file downloads', () => {
  it('serves the ciphertext whose size and md5 get_result reported, and byte ranges with 206', async () => {
    const { result } = await exported();
    const [{ url, size, md5: expected }] = result.data_list;
    const whole = await download(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.bytes.length).toBe(size);
    expect(md5(whole.bytes)).toBe(expected);
    expect(JSON.parse(decryptExportFile(whole.bytes).text).userlist).toHaveLength(40);

    const middle = await download(url, { range: 'bytes=100-299' });
    expect(middle.status).toBe(206);
    expect(middle.headers.get('content-range')).toBe(`bytes 100-299/${size}`);
    expect(middle.bytes.equals(whole.bytes.subarray(100, 300))).toBe(true);
    const tail = await download(url, { range: 'bytes=-10' });
    expect(tail.bytes.equals(whole.bytes.subarray(size - 10))).toBe(true);
    const open = await download(url, { range: `bytes=${size - 5}-` });
    expect(open.bytes.equals(whole.bytes.subarray(size - 5))).toBe(true);
    const beyond = await download(url, { range: `bytes=${size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('cuts a download mid-body with resetNextDownload; a Range request for the rest completes the file', async () => {
    const { result } = await exported();
    const [{ url, size, md5: expected }] = result.data_list;
    sim!.resetNextDownload(1, 1000);
    const cut = await rawGet(url);
    expect(cut).toMatchObject({ status: 200, broken: true });
    expect(cut.bytes.length).toBe(1000);
    const rest = await download(url, { range: `bytes=${cut.bytes.length}-` });
    expect(rest.status).toBe(206);
    const file = Buffer.concat([cut.bytes, rest.bytes]);
    expect(file.length).toBe(size);
    expect(md5(file)).toBe(expected);
    expect(sim!.requests('export-file').map((r) => r.fault)).toEqual(['resetBody', undefined]);
  });

  it('corrupts (same size, md5 differs) and truncates the next served files, then serves them intact', async () => {
    const { result } = await exported();
    const [{ url, size, md5: expected }] = result.data_list;
    sim!.corruptNextExportFile();
    sim!.truncateNextExportFile();
    const corrupt = await download(url);
    expect(corrupt.bytes.length).toBe(size);
    expect(md5(corrupt.bytes)).not.toBe(expected);
    const short = await download(url);
    expect(short.status).toBe(200);
    expect(short.bytes.length).toBe(Math.floor(size / 2));
    const good = await download(url);
    expect(md5(good.bytes)).toBe(expected);
  });

  it('expires URLs after exportUrlTtlMs of simulated time (403) and hands out fresh ones on the next get_result', async () => {
    const now = Date.now();
    const { token, result } = await exported({ exportUrlTtlMs: 60_000, clock: () => now });
    const [{ url }] = result.data_list;
    sim!.advanceTime(59_999);
    expect((await download(url)).status).toBe(200);
    sim!.advanceTime(1);
    const expired = await download(url);
    expect(expired.status).toBe(403);
    expect(expired.bytes.toString()).toMatch(/expired/);
    const again = await getJson(sim!, `/cgi-bin/export/get_result?access_token=${token}&jobid=${result.jobid}`);
    expect(again.data_list[0].url).not.toBe(url);
    expect(again.data_list[0].md5).toBe(result.data_list[0].md5);
    expect((await download(again.data_list[0].url)).status).toBe(200);
    sim!.expireExportUrls();
    expect((await download(again.data_list[0].url)).status).toBe(403);
    expect((await download(`${sim!.baseUrl}/export-file/unknown`)).status).toBe(404);
  });

  it('defaults the URL lifetime to 2 hours', async () => {
    const now = Date.now();
    const { result } = await exported({ clock: () => now });
    sim!.advanceTime(2 * 3600_000 - 1);
    expect((await download(result.data_list[0].url)).status).toBe(200);
    sim!.advanceTime(1);
    expect((await download(result.data_list[0].url)).status).toBe(403);
  });

  it('answers 302 to the real location when redirects are on', async () => {
    sim = await startSimulator({}, { users: [member('a', 1, { departments: [1] })] });
    sim.redirectExportDownloads();
    const token = await getToken(sim);
    const result = await runExport(sim, token, 'simple_user');
    const first = await fetch(result.data_list[0].url, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toMatch(/^\/export-file\/[\w-]{32}$/);
    const followed = await download(result.data_list[0].url);
    expect(md5(followed.bytes)).toBe(result.data_list[0].md5);
  });

  it('applies endpoint faults to downloads too (an HTTP 503 before the file)', async () => {
    const { result } = await exported();
    sim!.failNextHttp('export-file', { status: 503 });
    expect((await download(result.data_list[0].url)).status).toBe(503);
    expect((await download(result.data_list[0].url)).status).toBe(200);
  });
});
