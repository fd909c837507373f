import type { Readable } from 'node:stream';

/**
 * Stands for a callback body the route could not read to its end: it took longer than `callbackBodyTimeoutMs`
 * (`timeout`), or the client went away / the stream failed mid-upload (`aborted`). Handed to
 * `handleCallback()` in place of the body, which answers it (408 / 400, `Connection: close`) through the same
 * rate-limited refusal path as any other bad delivery — no stack, no unthrottled log line.
 */
export class UnreadCallbackBody {
  constructor(readonly cause: 'timeout' | 'aborted') {}
}

/** What {@link readLimited} read. */
export interface LimitedRead {
  /** The body, or its first `limit + 1` bytes when it is bigger (`overflow`). */
  body: Buffer;
  overflow: boolean;
}

/** How often the shared deadline timer looks at the reads in progress: a slow body is cut at most this late. */
export const BODY_DEADLINE_GRANULARITY_MS = 100;
/** The reads in progress that have a deadline, each with its timeout callback. */
const deadlines = new Map<() => void, number>();
let sweeper: NodeJS.Timeout | undefined;

/**
 * Calls `onTimeout` once `at` (epoch ms) has passed, unless {@link unwatchDeadline} comes first. One interval timer
 * for all reads instead of a timer each: arming and clearing a timer per request was about a third of the cost of
 * reading a small body (CPU profile of a forged-delivery flood on Fastify). The interval stops itself once no read
 * is in progress, and never holds the process open.
 */
function watchDeadline(onTimeout: () => void, at: number): void {
  deadlines.set(onTimeout, at);
  sweeper ??= setInterval(sweepDeadlines, BODY_DEADLINE_GRANULARITY_MS).unref();
}

function unwatchDeadline(onTimeout: () => void): void {
  deadlines.delete(onTimeout);
}

function sweepDeadlines(): void {
  if (deadlines.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
    return;
  }
  const now = Date.now();
  for (const [onTimeout, at] of deadlines) if (at <= now) onTimeout();
}

/**
 * Reads `stream` into one Buffer, stopping at `limit` bytes and at `timeoutMs` (up to
 * {@link BODY_DEADLINE_GRANULARITY_MS} later). When the body is bigger, resolves with the first `limit + 1` bytes
 * (so the caller sees "too large" without holding the whole body) and leaves the rest unread: the stream is
 * paused, not drained, and the answer closes the connection (`Connection: close`), so an oversized upload costs
 * `limit` bytes, not its size. Resolves an {@link UnreadCallbackBody} when the deadline
 * passes or the stream ends early (never rejects: both are a client's doing, answered, not thrown).
 */
export function readLimited(stream: Readable, limit: number, timeoutMs = 0): Promise<LimitedRead | UnreadCallbackBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: LimitedRead | UnreadCallbackBody): void => {
      unwatchDeadline(onTimeout);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      stream.removeListener('close', onClose);
      // Whatever is still coming stays in the socket: the answer's `Connection: close` ends it.
      if (!(outcome instanceof UnreadCallbackBody) && !outcome.overflow) return resolve(outcome);
      stream.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      chunks.push(buffer);
      if (size > limit) finish({ body: Buffer.concat(chunks, size).subarray(0, limit + 1), overflow: true });
    };
    const onEnd = (): void =>
      finish({ body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), overflow: false });
    const onError = (): void => finish(new UnreadCallbackBody('aborted'));
    const onClose = (): void => finish(new UnreadCallbackBody('aborted'));
    const onTimeout = (): void => finish(new UnreadCallbackBody('timeout'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (timeoutMs > 0) watchDeadline(onTimeout, Date.now() + timeoutMs);
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
 *   Buffer (cut at `limit + 1` bytes), or an {@link UnreadCallbackBody}; another parser's result (a JSON
 *   object, a string) is passed on as is.
 * - Express: Nest's JSON/urlencoded parsers leave XML and content-type-less bodies unread, so the stream is
 *   read here, up to `limit + 1` bytes and `timeoutMs`. A body another middleware already read (`express.text()`,
 *   `express.raw()`, JSON) is passed on as that middleware left it.
 *
 * The result goes to `WeComCallbackService.handleCallback()`, which answers 413 above the limit, 408 / 400 for an
 * unread body and 400 for anything that is not raw XML.
 */
export async function readCallbackBody(request: unknown, limit: number, timeoutMs = 0): Promise<unknown> {
  const req = request as AnyRequest;
  if (req.raw !== undefined && req.raw !== req) return req.body;
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') return req.body;
  if (req.readableEnded) return req.body;
  const read = await readLimited(request as Readable, limit, timeoutMs);
  return read instanceof UnreadCallbackBody ? read : read.body;
}
