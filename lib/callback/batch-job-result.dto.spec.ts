import { describe, expect, it } from '@jest/globals';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { toBatchJobResultEvent } from './batch-job-result.dto.js';
import { parseStrictXml, type XmlElements } from './strict-xml.parser.js';

function rejection(fn: () => unknown): WeComCallbackRejectedError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WeComCallbackRejectedError);
    return error as WeComCallbackRejectedError;
  }
  throw new Error('expected a WeComCallbackRejectedError');
}

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
