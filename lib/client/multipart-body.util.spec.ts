import { describe, expect, it } from '@jest/globals';
import { parseMultipart } from './client.spec-helper.js';
import { multipartBody } from './multipart-body.util.js';

async function collect(body: ReturnType<typeof multipartBody>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of body.stream()) chunks.push(chunk as Buffer);
  return chunks;
}

describe('multipartBody', () => {
  it('frames one file field as multipart/form-data, of exactly the length it announces', async () => {
    const file = Buffer.from('姓名,帐号\n张三,zhangsan\n', 'utf8');
    const body = multipartBody('media', file, '成员.csv', 'text/csv');

    const bytes = Buffer.concat(await collect(body));

    expect(bytes.length).toBe(body.length);
    const parts = parseMultipart(body.contentType, bytes);
    expect(parts).toEqual([{ name: 'media', filename: '成员.csv', contentType: 'text/csv', data: file }]);
  });

  it('streams a 20 MB file in slices of at most 64 KB, so no single write holds the event loop', async () => {
    const file = Buffer.alloc(20 * 1024 * 1024, 0x61);
    const body = multipartBody('media', file, 'big.csv', 'text/csv');

    const chunks = await collect(body);

    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(64 * 1024);
    expect(chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(body.length);
    expect(parseMultipart(body.contentType, Buffer.concat(chunks))[0].data.equals(file)).toBe(true);
  });

  it('gives a fresh stream for every attempt, with a boundary that differs between bodies', async () => {
    const body = multipartBody('media', Buffer.from('abcdefgh'), 'a.csv', 'text/csv');
    const first = Buffer.concat(await collect(body));
    const second = Buffer.concat(await collect(body));
    expect(second.equals(first)).toBe(true);
    expect(multipartBody('media', Buffer.from('abcdefgh'), 'a.csv', 'text/csv').contentType).not.toBe(body.contentType);
  });
});
