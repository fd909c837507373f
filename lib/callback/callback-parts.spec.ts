import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { toBatchJobResultEvent } from './batch-job-result.dto.js';
import { readCallbackBody, readLimited } from './callback-body.reader.js';
import { readEncryptedField } from './envelope.parser.js';
import { parseStrictXml, type XmlElements } from './strict-xml.parser.js';
import { RateLimitedLog } from './rate-limited-log.js';

function rejection(fn: () => unknown): WeComCallbackRejectedError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeComCallbackRejectedError);
    return error as WeComCallbackRejectedError;
  }
  throw new Error('expected a WeComCallbackRejectedError');
}

describe('readEncryptedField (the POST envelope)', () => {
  it('reads Encrypt and nothing else, with or without AgentID, in any order', () => {
    expect(
      readEncryptedField(
        '<xml><ToUserName><![CDATA[wx1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>',
      ),
    ).toBe('abc+/=');
    expect(
      readEncryptedField(
        '<?xml version="1.0"?>\n<xml>\n   <Encrypt>abc</Encrypt>\n   <ToUserName>wx</ToUserName>\n</xml>',
      ),
    ).toBe('abc');
  });

  it('reads envelopes the strict parser refuses (attributes, comments) with the lenient parser instead', () => {
    expect(readEncryptedField('<xml><!-- from a proxy --><Encrypt>abc</Encrypt></xml>')).toBe('abc');
    expect(readEncryptedField('<xml lang="zh"><Encrypt type="b64">\n  abc\n</Encrypt></xml>')).toBe('abc');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE xml><xml><Encrypt>a</Encrypt></xml>'],
    ['a lower-case doctype', '<!doctype xml><xml><Encrypt>a</Encrypt></xml>'],
    ['an ENTITY declaration', '<xml><!ENTITY x "y"><Encrypt>a</Encrypt></xml>'],
    ['no xml root', '<root><Encrypt>a</Encrypt></root>'],
    ['no Encrypt', '<xml><ToUserName>a</ToUserName></xml>'],
    ['an empty Encrypt', '<xml><Encrypt></Encrypt></xml>'],
    ['two Encrypt elements', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['an Encrypt with children', '<xml><Encrypt><x>a</x></Encrypt></xml>'],
    ['JSON', '{"xml":{"Encrypt":"a"}}'],
  ])('refuses %s with malformed_envelope (400)', (_name, body) => {
    const error = rejection(() => readEncryptedField(body));
    expect([error.reason, error.status]).toEqual(['malformed_envelope', 400]);
  });
});

describe('toBatchJobResultEvent (the DTO)', () => {
  const fields = (batchJob: string, extra = '') =>
    parseStrictXml(
      `<xml><ToUserName>wx1</ToUserName><CreateTime> 1425284517 </CreateTime><MsgType>event</MsgType><Event>batch_job_result</Event>${extra}<BatchJob>${batchJob}</BatchJob></xml>`,
    ).value as XmlElements;
  const job = (errCode = '0', jobId = 'S0Mrnndv', jobType = 'sync_user') =>
    `<JobId>${jobId}</JobId><JobType>${jobType}</JobType><ErrCode>${errCode}</ErrCode><ErrMsg>ok</ErrMsg>`;

  it('builds a validated event with numbers read leniently', () => {
    const event = toBatchJobResultEvent(fields(job(' -1 ')));
    expect(event).toMatchObject({ ToUserName: 'wx1', CreateTime: 1425284517, MsgType: 'event' });
    expect(event.BatchJob).toMatchObject({ JobId: 'S0Mrnndv', JobType: 'sync_user', ErrCode: -1, ErrMsg: 'ok' });
  });

  it.each([
    ['a non-numeric ErrCode', fields(job('zero')), 'BatchJob.ErrCode'],
    ['a fractional ErrCode', fields(job('1.5')), 'BatchJob.ErrCode'],
    ['a JobId over 64 characters', fields(job('0', 'x'.repeat(65))), 'BatchJob.JobId'],
    ['a JobId with spaces', fields(job('0', 'a b')), 'BatchJob.JobId'],
    ['an empty JobType', fields(job('0', 'id', '')), 'BatchJob.JobType'],
    [
      'no BatchJob',
      parseStrictXml(
        '<xml><ToUserName>wx1</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>batch_job_result</Event></xml>',
      ).value as XmlElements,
      'BatchJob',
    ],
    [
      'a text BatchJob',
      parseStrictXml(
        '<xml><ToUserName>wx1</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>batch_job_result</Event><BatchJob>x</BatchJob></xml>',
      ).value as XmlElements,
      'BatchJob',
    ],
    [
      'a negative CreateTime',
      parseStrictXml(
        `<xml><ToUserName>wx1</ToUserName><CreateTime>-5</CreateTime><MsgType>event</MsgType><Event>batch_job_result</Event><BatchJob>${job()}</BatchJob></xml>`,
      ).value as XmlElements,
      'CreateTime',
    ],
  ])('refuses %s, naming the field and not the value', (_name, input, field) => {
    const error = rejection(() => toBatchJobResultEvent(input));
    expect([error.reason, error.status]).toEqual(['malformed_event', 400]);
    expect(error.message).toContain(field);
    expect(error.message).not.toContain('zero');
  });
});

describe('readLimited / readCallbackBody', () => {
  it('reads a body in chunks', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 10);
    stream.write('abc');
    stream.end('def');
    await expect(read).resolves.toEqual({ body: Buffer.from('abcdef'), overflow: false });
  });

  it('stops at limit + 1 bytes without destroying the stream, and drains the rest', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 4);
    stream.write('abcdefgh');
    const { body, overflow } = await read;
    expect([body.toString(), overflow]).toEqual(['abcde', true]);
    expect(stream.destroyed).toBe(false);
    stream.end('more data that nobody reads');
    await new Promise((resolve) => stream.once('end', resolve));
  });

  it('rejects when the request closes before its end', async () => {
    const stream = new PassThrough();
    const read = readLimited(stream, 100);
    stream.write('abc');
    stream.destroy();
    await expect(read).rejects.toThrow();
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

describe('RateLimitedLog', () => {
  it('logs one line per key and interval, then reports how many were suppressed', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new RateLimitedLog(
      { warn: (m: string) => lines.push(`W ${m}`), error: (m: string) => lines.push(`E ${m}`) },
      1000,
      () => now,
    );
    log.write('warn', 'a', 'first a');
    log.write('warn', 'a', 'second a');
    log.write('warn', 'b', 'first b');
    now = 999;
    log.write('warn', 'a', 'third a');
    now = 1000;
    log.write('error', 'a', 'fourth a');
    expect(lines).toEqual(['W first a', 'W first b', 'E fourth a (+2 similar suppressed)']);
  });
});
