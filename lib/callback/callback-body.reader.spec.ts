import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { readCallbackBody, readLimited, UnreadCallbackBody, type LimitedRead } from './callback-body.reader.js';

describe('readLimited / readCallbackBody', () => {
  it('reads a body in chunks', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 10);
    stream.write('abc');
    stream.end('def');
    await expect(read).resolves.toEqual({ body: Buffer.from('abcdef'), overflow: false });
  });

  it('stops at limit + 1 bytes and leaves the rest unread (paused, not drained)', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 4);
    stream.write('abcdefgh');
    const { body, overflow } = (await read) as LimitedRead;
    expect([body.toString(), overflow]).toEqual(['abcde', true]);
    expect(stream.destroyed).toBe(false);
    stream.write('more data that nobody reads');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stream.isPaused()).toBe(true);
    expect(stream.readableLength).toBeGreaterThan(0);
  });

  it('answers an unread body when the request closes before its end', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 100);
    stream.write('abc');
    stream.destroy();
    await expect(read).resolves.toEqual(new UnreadCallbackBody('aborted'));
  });

  it('cuts a slow body at the deadline', async () => {
    const stream = new PassThrough();
    const started = Date.now();
    const read = readCallbackBody(stream, 100, 100);
    stream.write('<xml>');
    await expect(read).resolves.toEqual(new UnreadCallbackBody('timeout'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(stream.isPaused()).toBe(true);
  });

  it('passes on a body another parser already produced (Fastify request, express.text/raw, JSON)', async () => {
    await expect(readCallbackBody({ raw: {}, body: Buffer.from('x') }, 10)).resolves.toEqual(Buffer.from('x'));
    await expect(readCallbackBody({ raw: {}, body: { a: 1 } }, 10)).resolves.toEqual({ a: 1 });
    await expect(readCallbackBody({ body: 'text' }, 10)).resolves.toBe('text');
    await expect(readCallbackBody({ body: { a: 1 }, readableEnded: true }, 10)).resolves.toEqual({ a: 1 });
  });

  it('reads an unread Express request stream (body-parser 1.x leaves {} there)', async () => {
    const stream = Object.assign(new PassThrough(), { body: {} });
    const read = readCallbackBody(stream, 100);
    stream.end('<xml/>');
    await expect(read).resolves.toEqual(Buffer.from('<xml/>'));
  });
});
