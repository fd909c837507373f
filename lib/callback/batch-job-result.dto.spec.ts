import { describe, expect, it } from '@jest/globals';
import { Validator } from 'class-validator';
import fc from 'fast-check';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { BatchJobDto, BatchJobResultEventDto, plainlyValid, toBatchJobResultEvent } from './batch-job-result.dto.js';
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

describe('plainlyValid (the fast path beside class-validator)', () => {
  const validator = new Validator();
  const text = fc.oneof(
    fc.constantFrom(
      '',
      'event',
      'batch_job_result',
      'sync_user',
      'wx1',
      'a b',
      '☺️',
      '\uFE0F',
      'x'.repeat(64),
      'x'.repeat(65),
    ),
    fc.string({ maxLength: 70 }),
    fc.string({ unit: 'grapheme', maxLength: 70 }),
  );
  const value = fc.oneof(text, fc.integer(), fc.double(), fc.constant(undefined));
  // Each field mostly valid, so that events with exactly one thing wrong are common.
  const mostly = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: value, weight: 1 });
  const event = fc.record({
    ToUserName: mostly(fc.constantFrom('wx1', 'ww' + 'x'.repeat(62))),
    CreateTime: mostly(fc.nat()),
    MsgType: mostly(fc.constant('event')),
    Event: mostly(fc.constant('batch_job_result')),
    job: fc.option(
      fc.record({
        JobId: mostly(fc.constantFrom('S0Mrnndv', 'j'.repeat(64))),
        JobType: mostly(fc.constantFrom('sync_user', 'replace_party')),
        ErrCode: mostly(fc.integer({ min: -1, max: 999_999 })),
        ErrMsg: mostly(fc.constantFrom('ok', 'x'.repeat(2048), 'x'.repeat(2049))),
      }),
      { freq: 10 },
    ),
  });

  const toDto = ({ job, ...fields }: { job: object | null } & Record<string, unknown>): BatchJobResultEventDto => {
    const dto = Object.assign(new BatchJobResultEventDto(), fields);
    dto.BatchJob = job === null ? (undefined as never) : Object.assign(new BatchJobDto(), job);
    return dto;
  };
  const decoratorsAccept = (dto: BatchJobResultEventDto) =>
    validator.validateSync(dto, { forbidUnknownValues: true }).length === 0;

  it('accepts only what the class-validator decorators accept', () => {
    fc.assert(
      fc.property(event, (input) => {
        const dto = toDto(input);
        if (plainlyValid(dto)) expect(decoratorsAccept(dto)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every well-formed event (so valid deliveries skip class-validator)', () => {
    const ascii = (min: number, max: number) =>
      fc.string({
        unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
        minLength: min,
        maxLength: max,
      });
    const wellFormed = fc.record({
      ToUserName: ascii(1, 64),
      CreateTime: fc.integer({ min: 0, max: 2 ** 31 }),
      MsgType: fc.constant('event'),
      Event: fc.constant('batch_job_result'),
      job: fc.record({
        JobId: ascii(1, 64),
        JobType: ascii(1, 64),
        ErrCode: fc.integer({ min: -1, max: 999_999 }),
        ErrMsg: fc.string({ maxLength: 2048 }),
      }),
    });
    fc.assert(
      fc.property(wellFormed, (input) => {
        const dto = toDto(input);
        expect(decoratorsAccept(dto)).toBe(true);
        expect(plainlyValid(dto)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
