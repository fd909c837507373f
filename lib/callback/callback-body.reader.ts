import type { Readable } from 'node:stream';

/**
 * Reads `stream` into one Buffer, stopping at `limit` bytes. When the body is bigger, resolves with the first
 * `limit + 1` bytes (so the caller sees "too large" without holding the whole body) and lets the rest of the
 * upload drain unread: the stream is never destroyed, so the caller can still answer 413 on the connection.
 */
export function readLimited(stream: Readable, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      chunks.push(buffer);
      if (size > limit) {
        cleanup();
        // Keep the stream flowing with no listener: the remaining bytes are discarded.
        stream.resume();
        resolve({ body: Buffer.concat(chunks, size).subarray(0, limit + 1), overflow: true });
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), overflow: false });
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the request was closed before its body was complete'));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.resume();
  });
}

/** The parts of an Express (Node `IncomingMessage`) or Fastify request the callback route reads. */
interface AnyRequest {
  /** Fastify: the Node request underneath. */
  raw?: unknown;
  body?: unknown;
  readableEnded?: boolean;
}

/**
 * The body of a callback request as the route received it, on Express or Fastify, with no body parser
 * configured by the app:
 * - Fastify: the module's content-type parsers (see `FastifyCallbackBodyParsers`) already read it into a
 *   Buffer (cut at `limit + 1` bytes); another parser's result (a JSON object, a string) is passed on as is.
 * - Express: Nest's JSON/urlencoded parsers leave XML and content-type-less bodies unread, so the stream is
 *   read here, up to `limit + 1` bytes. A body another middleware already read (`express.text()`,
 *   `express.raw()`, JSON) is passed on as that middleware left it.
 *
 * The result goes to `WeComCallbackService.handleCallback()`, which answers 413 above the limit and 400 for
 * anything that is not raw XML.
 */
export async function readCallbackBody(request: unknown, limit: number): Promise<unknown> {
  const req = request as AnyRequest;
  if (req.raw !== undefined && req.raw !== req) return req.body;
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') return req.body;
  if (req.readableEnded) return req.body;
  const { body } = await readLimited(request as Readable, limit);
  return body;
}
