import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { createHash, type Hash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { constants as bufferConstants } from 'node:buffer';
import type { Readable } from 'node:stream';
import { backoffDelay, sleep } from '../internal/backoff.util.js';
import { errorCode, errorMessage } from '../internal/safe-error.util.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import { SPAN_NAMES } from '../telemetry/telemetry.constants.js';
import { WECOM_TELEMETRY } from '../telemetry/wecom-telemetry.service.js';

/** A file to download, as `export/get_result` announced it. The URL is a capability: it never reaches a message. */
export interface DownloadTarget {
  url: string;
  size: number;
  md5: string;
}

/** Why a download failed: `expired` (the URL was refused), `size`, `md5`, or `download` (network, status). */
export class ExportDownloadError extends Error {
  constructor(
    readonly problem: 'download' | 'expired' | 'size' | 'md5',
    message: string,
  ) {
    super(message);
  }
}

/** Attempts per file for transient failures (resets, timeouts, 5xx): each resumes where the last one stopped. */
const MAX_ATTEMPTS = 6;
const RETRY_BACKOFF = { baseMs: 250, maxMs: 5_000 };
/** Redirect hops followed (a CDN may send one or two). */
const MAX_REDIRECTS = 5;
/** Statuses that mean "this URL no longer works": WeCom's file links expire after about 2 hours. */
const EXPIRED_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410]);

/** How far one attempt got: bytes land in `buffer` in order, hashed as they come. */
interface Progress {
  buffer: Buffer;
  received: number;
  hash: Hash;
}

/**
 * Downloads an export file into memory — exactly `size` bytes, whose MD5 must be `md5` — and resolves it only
 * once both match: no row of a truncated or tampered file is ever read. A connection lost mid-body is resumed
 * with `Range: bytes=<received>-` (a server answering 200 instead of 206 is read again from the start); a
 * connection silent for `requestTimeoutMs` counts as lost. Redirects are followed; the URL carries no token.
 * `HTTP(S)_PROXY` / `NO_PROXY` are honoured (axios' proxy support).
 */
@Injectable()
export class ExportFileDownloader implements OnModuleDestroy {
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private readonly http: AxiosInstance;
  private readonly closing = new AbortController();

  constructor(@Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions) {
    this.http = axios.create({
      adapter: 'http',
      maxRedirects: MAX_REDIRECTS,
      responseType: 'stream',
      // The ciphertext's bytes as sent: size and md5 are of the raw file, and Range offsets count raw bytes.
      decompress: false,
      validateStatus: () => true,
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
    });
  }

  /** Stops downloads in flight (shutdown) and closes the pooled connections. */
  onModuleDestroy(): void {
    this.closing.abort(new Error('the module is shutting down'));
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /**
   * The verified bytes of `target`. Rejects with {@link ExportDownloadError}, or the signal's reason. Traced as one
   * `wecom.export.download` span (the host and size only: the URL is a signed link to the file).
   */
  download(target: DownloadTarget, signal?: AbortSignal): Promise<Buffer> {
    let host: string | undefined;
    try {
      host = new URL(target.url).hostname;
    } catch {
      host = undefined;
    }
    return WECOM_TELEMETRY.span(
      SPAN_NAMES.exportDownload,
      { 'server.address': host, 'wecom.file.bytes': target.size },
      () => this.downloadVerified(target, signal),
    );
  }

  private async downloadVerified(target: DownloadTarget, signal?: AbortSignal): Promise<Buffer> {
    if (target.size > bufferConstants.MAX_LENGTH) {
      throw new ExportDownloadError('size', `announced size ${target.size} exceeds what one buffer can hold`);
    }
    const stop = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    const progress: Progress = { buffer: Buffer.allocUnsafe(target.size), received: 0, hash: createHash('md5') };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.fetchInto(target, progress, stop);
        break;
      } catch (error) {
        if (stop.aborted) throw stop.reason;
        if (error instanceof ExportDownloadError && error.problem !== 'download') throw error;
        if (attempt >= MAX_ATTEMPTS) {
          const why = error instanceof ExportDownloadError ? error.message : describeTransport(error);
          throw new ExportDownloadError('download', `${why} (after ${attempt} attempts)`);
        }
        await sleep(backoffDelay(attempt - 1, RETRY_BACKOFF), stop);
      }
    }
    if (progress.received !== target.size) {
      throw new ExportDownloadError('size', `received ${progress.received} bytes, expected ${target.size}`);
    }
    const digest = progress.hash.digest('hex');
    if (digest !== target.md5)
      throw new ExportDownloadError('md5', 'the MD5 of the received bytes is not the announced one');
    return progress.buffer;
  }

  /** One request: from `progress.received` on (a Range request when > 0), until the body ends. */
  private async fetchInto(target: DownloadTarget, progress: Progress, stop: AbortSignal): Promise<void> {
    if (progress.received === target.size && target.size > 0) return;
    const idle = new AbortController();
    const signal = AbortSignal.any([stop, idle.signal]);
    const idleMs = this.options.requestTimeoutMs;
    let timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs} ms`)), idleMs);
    };
    try {
      const from = progress.received;
      const response: AxiosResponse<Readable> = await this.http.get(target.url, {
        signal,
        headers: { 'Accept-Encoding': 'identity', ...(from > 0 ? { Range: `bytes=${from}-` } : {}) },
      });
      touch();
      this.accept(response, progress, from);
      try {
        for await (const chunk of response.data as AsyncIterable<Buffer>) {
          touch();
          if (progress.received + chunk.length > target.size) {
            throw new ExportDownloadError('size', `the file has more bytes than the announced ${target.size}`);
          }
          chunk.copy(progress.buffer, progress.received);
          progress.hash.update(chunk);
          progress.received += chunk.length;
        }
      } finally {
        response.data.destroy();
      }
      if (progress.received < target.size) {
        // A body that ENDS cleanly (a lost connection errors instead) is all the server has: the file itself is
        // shorter than announced. Resuming cannot help.
        throw new ExportDownloadError('size', `the file ended after ${progress.received} of ${target.size} bytes`);
      }
    } catch (error) {
      if (idle.signal.aborted && !stop.aborted)
        throw new ExportDownloadError('download', errorMessage(idle.signal.reason));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Checks the status of an answer and where its body starts; resets `progress` when the server starts over. */
  private accept(response: AxiosResponse<Readable>, progress: Progress, from: number): void {
    const { status } = response;
    if (status === 200) {
      // A full body: also the answer of a server that ignores Range. Start over.
      if (from > 0) {
        progress.received = 0;
        progress.hash = createHash('md5');
      }
      return;
    }
    if (status === 206) {
      const start = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''))?.[1];
      if (Number(start) !== from) {
        response.data.destroy();
        throw new ExportDownloadError('download', `a 206 answer starting at ${start ?? '?'} instead of ${from}`);
      }
      return;
    }
    response.data.destroy();
    if (status === 416 && from > 0) {
      // The server has no such range (the file changed?): start over from the first byte.
      progress.received = 0;
      progress.hash = createHash('md5');
      throw new ExportDownloadError('download', 'HTTP 416 for a resumed range');
    }
    if (EXPIRED_STATUSES.has(status)) throw new ExportDownloadError('expired', `HTTP ${status}: the URL was refused`);
    throw new ExportDownloadError('download', `HTTP ${status}`);
  }
}

/** A transport failure described without its URL (axios messages and configs may quote it). */
function describeTransport(error: unknown): string {
  const code = errorCode(error);
  return code === undefined ? 'the download failed' : `the download failed (${code})`;
}
