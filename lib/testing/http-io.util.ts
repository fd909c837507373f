import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestBody } from './simulator-state.types.js';

/**
 * Reads a request body, keeping at most `cap` bytes in memory. A larger body is drained to its end (so the
 * client gets an answer rather than a broken pipe) but not kept.
 */
export function readBody(req: IncomingMessage, cap: number): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= cap) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size <= cap ? { bytes: Buffer.concat(chunks), size } : { size }));
    req.on('error', reject);
  });
}

/** Writes a JSON answer the way WeCom does (UTF-8 JSON; business errors keep HTTP 200). */
export function sendJson(res: ServerResponse, status: number, body: unknown, trickleMs = 0): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  if (trickleMs > 0) trickle(res, Buffer.from(text), trickleMs);
  else res.end(text);
}

/**
 * Writes a JSON answer given in pieces (chunked transfer, no content-length), waiting for `drain` when the
 * client reads slowly; stops when the connection goes away.
 */
export async function sendJsonStream(
  res: ServerResponse,
  status: number,
  pieces: AsyncIterable<string>,
): Promise<void> {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  for await (const piece of pieces) {
    if (res.destroyed) return;
    if (!res.write(piece)) await drained(res);
  }
  if (!res.destroyed) res.end();
}

/** Resolves on the response's next `drain` — or `close`, so a vanished client never leaves it waiting. */
export function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** How many pieces a slow body is cut into. */
const TRICKLE_PIECES = 10;

/**
 * Sends `bytes` in pieces spread over `ms` after the headers went out: a slow body, so a client's idle or
 * total timeout can fire mid-answer. Stops quietly when the connection goes away.
 */
function trickle(res: ServerResponse, bytes: Buffer, ms: number): void {
  const size = Math.max(1, Math.ceil(bytes.length / TRICKLE_PIECES));
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  res.once('close', () => clearTimeout(timer));
  res.flushHeaders();
  const step = (): void => {
    const piece = bytes.subarray(offset, offset + size);
    offset += piece.length;
    if (offset >= bytes.length) res.end(piece);
    else {
      res.write(piece);
      timer = setTimeout(step, ms / TRICKLE_PIECES);
    }
  };
  timer = setTimeout(step, ms / TRICKLE_PIECES);
}

/** Writes a plain-text answer (injected HTTP failures). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
