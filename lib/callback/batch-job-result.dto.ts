import 'reflect-metadata';
import { Equals, IsDefined, IsInt, Length, Matches, MaxLength, Min, ValidateNested, Validator } from 'class-validator';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import type { XmlElements, XmlValue } from './strict-xml.parser.js';

/** `<BatchJob>` of a decrypted `batch_job_result` event. */
export class BatchJobDto {
  /** The job id: ≤ 64 printable ASCII characters (it becomes part of store keys). */
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'JobId must be 1 to 64 printable ASCII characters' })
  JobId!: string;

  /** `sync_user`, `replace_user`, `replace_party`, or another family's type (`export_user`, …). */
  @Length(1, 64)
  JobType!: string;

  /** Job-level result code. */
  @IsInt()
  ErrCode!: number;

  @MaxLength(2048)
  ErrMsg!: string;
}

/**
 * A decrypted `batch_job_result` event (WeCom's 异步任务完成通知), validated before anything is recorded.
 * `FromUserName` is not read: its documented value varies and nothing depends on it.
 */
export class BatchJobResultEventDto {
  /** The CorpID the event is for. */
  @Length(1, 64)
  ToUserName!: string;

  /** Creation time, in seconds. */
  @IsInt()
  @Min(0)
  CreateTime!: number;

  @Equals('event')
  MsgType!: string;

  @Equals('batch_job_result')
  Event!: string;

  @IsDefined()
  @ValidateNested()
  BatchJob!: BatchJobDto;
}

// Built once. The string validators (Matches, Length, MaxLength) also require a string, so each field carries
// as few decorators as possible: this runs on every delivery.
const validator = new Validator();
const INTEGER = /^\s*-?\d{1,15}\s*$/;

/**
 * Builds the DTO from the parsed XML of an event that announced itself as `batch_job_result` and validates it.
 * Numbers are read leniently (surrounding whitespace allowed); anything non-numeric stays a string and fails
 * validation.
 *
 * @throws WeComCallbackRejectedError `malformed_event` (400), naming the invalid fields (never their values).
 */
export function toBatchJobResultEvent(root: XmlElements): BatchJobResultEventDto {
  const dto = new BatchJobResultEventDto();
  dto.ToUserName = root.ToUserName as string;
  dto.CreateTime = integer(root.CreateTime);
  dto.MsgType = root.MsgType as string;
  dto.Event = root.Event as string;
  const job = root.BatchJob;
  if (job !== undefined && typeof job === 'object') {
    const batchJob = new BatchJobDto();
    batchJob.JobId = job.JobId as string;
    batchJob.JobType = job.JobType as string;
    batchJob.ErrCode = integer(job.ErrCode);
    batchJob.ErrMsg = job.ErrMsg as string;
    dto.BatchJob = batchJob;
  } else {
    dto.BatchJob = job as unknown as BatchJobDto;
  }
  if (plainlyValid(dto)) return dto;
  const errors = validator.validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const fields = errors.flatMap((e) =>
      e.children?.length ? e.children.map((c) => `${e.property}.${c.property}`) : [e.property],
    );
    throw new WeComCallbackRejectedError(
      'malformed_event',
      400,
      `the decrypted batch_job_result event is invalid (${fields.join(', ')})`,
    );
  }
  return dto;
}

const JOB_ID = /^[\x21-\x7e]{1,64}$/;
/** Printable ASCII: its length is what class-validator's Length counts (no surrogate pairs, no variation selectors). */
const ASCII_1_64 = /^[\x20-\x7e]{1,64}$/;

/**
 * True when the decorators above would find nothing wrong, decided by plain checks — class-validator's metadata
 * walk was the largest single cost of a duplicate delivery (WeCom's retries). Conservative: it accepts only what
 * the decorators accept (the differential spec checks it); anything else, including every invalid event, goes
 * through class-validator, which names the fields.
 */
export function plainlyValid(dto: BatchJobResultEventDto): boolean {
  const job = dto.BatchJob;
  return (
    typeof dto.ToUserName === 'string' &&
    ASCII_1_64.test(dto.ToUserName) &&
    Number.isInteger(dto.CreateTime) &&
    dto.CreateTime >= 0 &&
    dto.MsgType === 'event' &&
    dto.Event === 'batch_job_result' &&
    job instanceof BatchJobDto &&
    typeof job.JobId === 'string' &&
    JOB_ID.test(job.JobId) &&
    typeof job.JobType === 'string' &&
    ASCII_1_64.test(job.JobType) &&
    Number.isInteger(job.ErrCode) &&
    typeof job.ErrMsg === 'string' &&
    job.ErrMsg.length <= 2048
  );
}

function integer(value: XmlValue | undefined): number {
  return typeof value === 'string' && INTEGER.test(value) ? Number(value) : (value as unknown as number);
}
