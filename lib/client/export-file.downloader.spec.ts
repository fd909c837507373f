import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import { ExportDownloadError, ExportFileDownloader } from './export-file.downloader.js';

const FILE = randomBytes(300_000);
const MD5 = createHash('md5').update(FILE).digest('hex');

/** What the next requests to /file do; each entry is used once. */
let script: Array<'reset' | 'ignore-range' | 'stall' | 'gone' | 'short' | 'long'> = [];
const seen: Array<{ path: string; range?: string }> = [];

function serve(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ path: req.url ?? '', range: req.headers.range });
  if (req.url === '/redirect') {
    res.writeHead(302, { location: '/file' }).end();
    return;
  }
  const step = script.shift();
  if (step === 'gone') {
    res.writeHead(404).end('expired');
    return;
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = range && step !== 'ignore-range' ? Number(range[1]) : 0;
  let body = FILE.subarray(start);
  if (step === 'short') body = body.subarray(0, body.length - 10);
  if (step === 'long') body = Buffer.concat([body, Buffer.from('extra')]);
  const headers: Record<string, string | number> = { 'content-length': body.length };
  if (start > 0) headers['content-range'] = `bytes ${start}-${FILE.length - 1}/${FILE.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (step === 'reset') {
    res.write(body.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
  } else if (step === 'stall') {
    res.write(body.subarray(0, 50_000));
  } else {
    res.end(body);
  }
}

let server: Server;
let base: string;
const downloader = new ExportFileDownloader(
  resolveWeComBatchOptions({ corpId: 'wwcorp', corpSecret: 'secret', requestTimeoutMs: 300 }),
);

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  downloader.onModuleDestroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const target = (path = '/file', md5 = MD5, size = FILE.length) => ({ url: `${base}${path}`, size, md5 });

async function problem(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ExportDownloadError);
    expect((error as Error).message).not.toContain(base); // the URL is a capability: never in a message
    return (error as ExportDownloadError).problem;
  }
  return 'downloaded';
}

describe('ExportFileDownloader', () => {
  it('downloads a file through a redirect and checks its size and md5', async () => {
    seen.length = 0;
    script = [];
    const bytes = await downloader.download(target('/redirect'));
    expect(bytes.equals(FILE)).toBe(true);
    expect(seen.map((s) => s.path)).toEqual(['/redirect', '/file']);
  });

  it('resumes a download reset mid-body with a Range request from the bytes it has', async () => {
    seen.length = 0;
    script = ['reset'];
    const bytes = await downloader.download(target());
    expect(bytes.equals(FILE)).toBe(true);
    expect(seen).toHaveLength(2);
    expect(seen[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(seen[1].range ?? '')?.[0])).toBeGreaterThan(0);
  });

  it('starts over when the server ignores Range (200 instead of 206), and resumes after a stall', async () => {
    script = ['reset', 'ignore-range'];
    expect((await downloader.download(target())).equals(FILE)).toBe(true);
    seen.length = 0;
    script = ['stall'];
    expect((await downloader.download(target())).equals(FILE)).toBe(true);
    expect(seen[1].range).toBe('bytes=50000-');
  });

  it('refuses a tampered file (md5), a truncated or padded one (size), and tells an expired URL apart', async () => {
    script = [];
    expect(await problem(downloader.download(target('/file', 'f'.repeat(32))))).toBe('md5');
    script = ['long'];
    expect(await problem(downloader.download(target()))).toBe('size');
    // A body that ends cleanly before the announced size is the whole (truncated) file: no resume.
    seen.length = 0;
    script = ['short'];
    expect(await problem(downloader.download(target()))).toBe('size');
    expect(seen).toHaveLength(1);
    script = ['gone'];
    expect(await problem(downloader.download(target()))).toBe('expired');
  });
});
