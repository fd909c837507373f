import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body read up to a cap. */
export interface ReadBody {
  /** The bytes, or undefined when the body was larger than the cap (it was drained, not kept). */
  bytes?: Buffer;
  size: number;
}

/**
 * Reads a request body, keeping at most `cap` bytes in memory. A larger body is drained to its end (so the
 * client gets an answer rather than a broken pipe) but not kept.
 */
export function readBody(req: IncomingMessage, cap: number): Promise<ReadBody> {
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
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Writes a plain-text answer (injected HTTP failures). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
