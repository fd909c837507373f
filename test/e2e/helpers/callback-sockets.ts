import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a raw connection saw: the answer's bytes, whether the server closed it, and how much we wrote. */
export interface RawExchange {
  answer: string;
  /** The server ended or reset the connection (before our own deadline). */
  closedByServer: boolean;
  /** Body bytes written before the connection closed (or the deadline passed). */
  bytesWritten: number;
  /** Milliseconds from the headers to the first byte of the answer (undefined: no answer). */
  answeredAfterMs?: number;
}

function connect(base: string): Promise<Socket> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends `head` (request line and headers) on a fresh connection, then writes `chunk` every `everyMs` until the
 * server closes the connection or `deadlineMs` passes — a client that keeps uploading after the answer.
 */
export async function keepUploading(
  base: string,
  head: string,
  chunk: Buffer,
  options: { everyMs: number; deadlineMs: number; firstChunk?: Buffer },
): Promise<RawExchange> {
  const socket = await connect(base);
  const exchange: RawExchange = { answer: '', closedByServer: false, bytesWritten: 0 };
  const started = Date.now();
  let closed = false;
  socket.on('data', (data: Buffer) => {
    exchange.answeredAfterMs ??= Date.now() - started;
    exchange.answer += data.toString('latin1');
  });
  const gone = new Promise<void>((resolve) => {
    const end = (): void => {
      if (!closed) exchange.closedByServer = Date.now() - started < options.deadlineMs;
      closed = true;
      resolve();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  });
  socket.write(head);
  if (options.firstChunk) {
    socket.write(options.firstChunk);
    exchange.bytesWritten += options.firstChunk.length;
  }
  while (!closed && Date.now() - started < options.deadlineMs) {
    if (chunk.length > 0 && socket.writable) {
      socket.write(chunk);
      exchange.bytesWritten += chunk.length;
    }
    await sleep(options.everyMs);
  }
  if (!closed) socket.destroy();
  await gone;
  return exchange;
}

/** The request line and headers of a POST to `path?query` (no body). */
export function postHead(path: string, query: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: '127.0.0.1', 'Content-Type': 'text/xml', ...headers }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return `POST ${path}?${query} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}
