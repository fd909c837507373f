import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileCiphertext } from './export-file.stream.js';
import type { FaultInjector } from './fault-injector.service.js';
import { drained, sendText } from './http-io.util.js';
import type { ExportJobState } from './simulator-state.types.js';
import type { RawSimulatorRequest } from './simulator.types.js';

/** Path prefix of the export files (outside `/cgi-bin/`: they need no access_token, like WeCom's file URLs). */
export const EXPORT_FILE_PREFIX = '/export-file/';

interface IssuedUrl {
  job: ExportJobState;
  index: number;
  expiresAt: number;
}

type ByteRange = { start: number; end: number };

/**
 * The export files' own "file server" on the simulator's port: each `get_result` hands out a fresh unguessable
 * URL per file, valid `ttlMs` of simulated time (then HTTP 403; an unknown path is 404). `Range: bytes=…` gets
 * 206 with `Content-Range`; with `redirect` on, URLs answer 302 to the file first. The bytes are computed again
 * for each download (nothing is kept), with the injected faults: a flipped byte, a short file, a cut connection.
 */
export class ExportDownloads {
  private readonly urls = new Map<string, IssuedUrl>();
  /** `redirectExportDownloads()`: issued URLs answer 302 to the file's real location. */
  redirect = false;

  constructor(
    private readonly settings: { ttlMs: number; now: () => number },
    private readonly faults: FaultInjector,
  ) {}

  /** `data_list` of a finished job: a fresh URL per file, with the ciphertext's size and md5. */
  issue(job: ExportJobState, baseUrl: string): Array<{ url: string; size: number; md5: string }> {
    const expiresAt = this.settings.now() + this.settings.ttlMs;
    return job.view.files.map((file) => {
      const token = randomBytes(24).toString('base64url');
      this.urls.set(token, { job, index: file.index, expiresAt });
      const path = this.redirect ? `${EXPORT_FILE_PREFIX}r/${token}` : `${EXPORT_FILE_PREFIX}${token}`;
      return { url: `${baseUrl}${path}`, size: file.size, md5: file.md5 };
    });
  }

  /** Every URL handed out so far expires now (`expireExportUrls()`). */
  expireAll(): void {
    const now = this.settings.now();
    for (const url of this.urls.values()) url.expiresAt = Math.min(url.expiresAt, now);
  }

  /** Serves a GET of `path` (under `EXPORT_FILE_PREFIX`). */
  async serve(req: IncomingMessage, res: ServerResponse, path: string, entry: RawSimulatorRequest): Promise<void> {
    const rest = path.slice(EXPORT_FILE_PREFIX.length);
    if (rest.startsWith('r/')) {
      const known = this.urls.has(rest.slice(2));
      entry.status = known ? 302 : 404;
      if (!known) return sendText(res, 404, 'NoSuchKey: the file does not exist');
      res.writeHead(302, { location: `${EXPORT_FILE_PREFIX}${rest.slice(2)}`, 'content-length': 0 }).end();
      return;
    }
    const issued = this.urls.get(rest);
    if (!issued) {
      entry.status = 404;
      return sendText(res, 404, 'NoSuchKey: the file does not exist');
    }
    if (this.settings.now() >= issued.expiresAt) {
      entry.status = 403;
      return sendText(res, 403, 'AccessDenied: Request has expired');
    }
    const file = issued.job.view.files[issued.index];
    const fault = this.faults.takeDownloadFault();
    if (fault) entry.fault = fault.kind === 'reset' ? 'resetBody' : fault.kind;
    const length = fault?.kind === 'truncate' ? Math.floor(file.size / 2) : file.size;
    const range = parseRange(req.headers.range, length);
    if (range === 'unsatisfiable') {
      entry.status = 416;
      res.writeHead(416, { 'content-range': `bytes */${length}`, 'content-length': 0 }).end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: length - 1 };
    const status = range ? 206 : 200;
    entry.status = status;
    res.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      etag: `"${file.md5}"`,
      ...(range ? { 'content-range': `bytes ${start}-${end}/${length}` } : {}),
    });
    const cutAt =
      fault?.kind === 'reset' ? Math.min(end + 1, start + (fault.afterBytes ?? Math.floor((end - start + 1) / 2))) : -1;
    const flipAt = fault?.kind === 'corrupt' ? Math.floor(file.size / 2) : -1;
    await this.stream(res, issued, { start, end }, cutAt, flipAt);
  }

  private async stream(
    res: ServerResponse,
    { job, index }: IssuedUrl,
    { start, end }: ByteRange,
    cutAt: number,
    flipAt: number,
  ): Promise<void> {
    let position = 0;
    for await (const chunk of fileCiphertext(job, index)) {
      const chunkStart = position;
      position += chunk.length;
      if (position <= start) continue;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end + 1, position, cutAt >= 0 ? cutAt : Infinity);
      let piece = chunk.subarray(from - chunkStart, Math.max(from, to) - chunkStart);
      if (flipAt >= from && flipAt < to) {
        piece = Buffer.from(piece);
        piece[flipAt - from] ^= 0xff;
      }
      if (res.destroyed) return;
      if (cutAt >= 0 && to >= cutAt) {
        // Destroy only once the bytes before the cut reached the socket, so the client gets exactly them.
        await new Promise<void>((resolve) => {
          res.write(piece, () => resolve());
          res.once('close', () => resolve());
        });
        res.socket?.destroy();
        return;
      }
      if (!res.write(piece)) await drained(res);
      if (position > end) break;
    }
    if (!res.destroyed) res.end();
  }
}

/**
 * One `bytes=` range of a file of `length` bytes (`a-b`, `a-`, `-n`): undefined when there is none (or several:
 * the whole file is then sent with 200, as RFC 9110 allows), `'unsatisfiable'` for a range outside the file.
 */
export function parseRange(header: string | undefined, length: number): ByteRange | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, length - Number(match[2]));
    end = length - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? length - 1 : Math.min(Number(match[2]), length - 1);
  }
  if (start >= length || start > end || length === 0) return 'unsatisfiable';
  return { start, end };
}
