import { describe, expect, it } from '@jest/globals';
import { parseMultipart } from '../../lib/testing/multipart.parser.js';

const CT = 'multipart/form-data; boundary=XyZ';

describe('parseMultipart (the upload body reader)', () => {
  it('reads what a standard client (undici FormData) sends, binary-safe', async () => {
    const bytes = Buffer.from([0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0xfe]);
    const form = new FormData();
    form.append('type', 'file');
    form.append('media', new Blob([bytes], { type: 'text/csv' }), '成员 名单.csv');
    const request = new Request('http://x', { method: 'POST', body: form });
    const parts = parseMultipart(request.headers.get('content-type') ?? '', Buffer.from(await request.arrayBuffer()));
    expect(parts?.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['type', undefined, undefined],
      ['media', '成员 名单.csv', 'text/csv'],
    ]);
    expect(parts?.[1].data.equals(bytes)).toBe(true);
  });

  it('tolerates LF-only line breaks, a preamble, a quoted boundary and RFC 5987 filename*', () => {
    const body = Buffer.from(
      'preamble\n--XyZ\nContent-Disposition: form-data; name=media; filename="a.csv"; filename*=UTF-8\'\'%E6%88%90.csv\n\nabc\n--XyZ--\n',
    );
    const parts = parseMultipart('multipart/form-data; boundary="XyZ"', body);
    expect(parts).toEqual([{ name: 'media', filename: '成.csv', contentType: undefined, data: Buffer.from('abc') }]);
  });

  it('returns undefined for a body that is not multipart or has no closing boundary', () => {
    expect(parseMultipart('application/json', Buffer.from('{}'))).toBeUndefined();
    expect(parseMultipart('multipart/form-data', Buffer.from('--x\r\n'))).toBeUndefined();
    expect(parseMultipart(CT, Buffer.from('no boundary here'))).toBeUndefined();
    expect(
      parseMultipart(CT, Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="media"\r\n\r\nabc')),
    ).toBeUndefined();
  });
});
