import { describe, expect, it } from '@jest/globals';
import { errorTypeOf } from './error-type.util.js';
import { requestAttributes } from './url-attributes.util.js';

describe('requestAttributes', () => {
  it('url.full carries no credential: token, secret and a proxy URL’s userinfo are gone', () => {
    const query = new URLSearchParams({ access_token: 'TOKEN-abcdef', corpsecret: 'SECRET-abcdef', jobid: 'J1' });
    const attributes = requestAttributes(
      'GET',
      'https://user:pa55word@proxy.example.com:8443/wecom',
      'batch/getresult',
      query,
    );
    expect(attributes).toEqual({
      'http.request.method': 'GET',
      'url.template': '/cgi-bin/batch/getresult',
      'url.full':
        'https://proxy.example.com:8443/wecom/cgi-bin/batch/getresult?access_token=REDACTED&corpsecret=REDACTED&jobid=J1',
      'server.address': 'proxy.example.com',
      'server.port': 8443,
    });
    expect(JSON.stringify(attributes)).not.toMatch(/TOKEN|SECRET|pa55word/);
  });

  it('defaults server.port by scheme', () => {
    expect(
      requestAttributes('POST', 'https://qyapi.weixin.qq.com', 'batch/syncuser', new URLSearchParams()),
    ).toMatchObject({
      'server.address': 'qyapi.weixin.qq.com',
      'server.port': 443,
      'url.full': 'https://qyapi.weixin.qq.com/cgi-bin/batch/syncuser',
    });
  });
});

describe('errorTypeOf', () => {
  it('is the errcode, else the transport code, else the HTTP status, else the kind or problem — never the message', () => {
    expect(errorTypeOf({ errcode: 60020, message: 'secret stuff' })).toBe('60020');
    expect(errorTypeOf({ errcode: null, transportCode: 'ECONNRESET' })).toBe('ECONNRESET');
    expect(errorTypeOf({ errcode: null, httpStatus: 502 })).toBe('502');
    expect(errorTypeOf({ errcode: null, kind: 'store' })).toBe('store');
    // An export file's problem (download: size, md5, expired; read: decrypt, json), not its message.
    expect(errorTypeOf(Object.assign(new Error('the MD5 of …'), { problem: 'md5' }))).toBe('md5');
    expect(errorTypeOf(Object.assign(new Error('x'), { problem: 'Not A Class' }))).toBe('Error');
    expect(errorTypeOf(new TypeError('x'))).toBe('TypeError');
    expect(errorTypeOf('a string')).toBe('_OTHER');
  });
});
