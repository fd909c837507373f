import { Inject, Injectable } from '@nestjs/common';
import { WeComClient } from '../../client/wecom-client.service.js';
import { WeComStreamClient } from '../../client/wecom-stream-client.service.js';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import type {
  BatchJobType,
  BatchPartyResultRow,
  BatchResultRow,
  BatchUserResultRow,
} from '../../model/batch-job.types.js';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import type { JobResultFetcher, ResultStreamOptions } from '../tracking/tracking.types.js';
import { readResultStream, toNumber, type BatchJobResultHead, type RawResultRow } from './getresult-stream.parser.js';

/** The submission endpoint of each job type. */
export const SUBMIT_ENDPOINTS: Record<BatchJobType, string> = {
  sync_user: 'batch/syncuser',
  replace_user: 'batch/replaceuser',
  replace_party: 'batch/replaceparty',
};

/** Body of `batch/syncuser` / `batch/replaceuser` / `batch/replaceparty`. */
export interface BatchSubmitBody {
  media_id: string;
  /** Members only (replaceparty has none). */
  to_invite?: boolean;
  /** Singular `callback`: the plural key some SDKs send is silently ignored by WeCom. */
  callback?: { url: string; token: string; encodingaeskey: string };
}

/** Answer of `batch/invite`: the ids WeCom could not invite. */
export interface InviteResult {
  invalidUsers: string[];
  invalidParties: number[];
  invalidTags: number[];
}

interface RawGetResult {
  status?: unknown;
  type?: unknown;
  total?: unknown;
  percentage?: unknown;
  result?: unknown;
}

/**
 * The batch endpoints, typed: submission, `batch/getresult` (with party `action` bitmasks decoded and unknown
 * or legacy fields tolerated), `batch/invite`, and the CSV upload. Errors are the client's `WeComApiError`s.
 */
@Injectable()
export class BatchApi implements JobResultFetcher {
  constructor(
    @Inject(WeComClient) private readonly client: WeComClient,
    @Inject(WeComStreamClient) private readonly streams: WeComStreamClient,
  ) {}

  /** Uploads a CSV as a temporary file (`media/upload?type=file`); the media_id lives 3 days. */
  async uploadCsv(csv: Buffer, filename: string): Promise<string> {
    return (await this.client.uploadMedia(csv, filename)).mediaId;
  }

  /** Submits an import job. Not idempotent: the client never re-sends it after an ambiguous failure. */
  async submit(jobType: BatchJobType, body: BatchSubmitBody): Promise<string> {
    const endpoint = SUBMIT_ENDPOINTS[jobType];
    const answer = await this.client.post<{ jobid?: unknown }>(endpoint, body, { idempotent: false });
    if (typeof answer.jobid !== 'string' || answer.jobid.length === 0) {
      throw new WeComApiError({ kind: 'response', endpoint, errmsg: 'the answer has no jobid', retryable: false });
    }
    return answer.jobid;
  }

  /**
   * `batch/getresult`, typed, every row in one array (one `JSON.parse`: quick for the status and for small
   * jobs). A job of hundreds of thousands of rows is better read through the completed event's `rows()`: the
   * tracker streams its answer ({@link streamResult}) into the store. `signal` aborts the call.
   */
  async getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult> {
    const raw = await this.client.get<RawGetResult>('batch/getresult', { jobid: jobId }, { signal });
    const type = typeof raw.type === 'string' ? raw.type : '';
    const status = Number(raw.status);
    if (status !== 1 && status !== 2 && status !== 3) {
      throw new WeComApiError({
        kind: 'response',
        endpoint: 'batch/getresult',
        errmsg: `unexpected job status ${String(raw.status)}`,
        retryable: false,
      });
    }
    const rows = status === 3 && Array.isArray(raw.result) ? (raw.result as RawResultRow[]) : [];
    return {
      jobId,
      status,
      type,
      total: toNumber(raw.total),
      // Documented as an integer; a legacy SDK parses it as a float: accept any number.
      percentage: toNumber(raw.percentage),
      result: rows.map((row) => toResultRow(row, type)),
    };
  }

  /**
   * `batch/getresult` read as a stream: resolves the status, type, total and percentage; with `onRows`, hands
   * the rows on in batches as they are parsed (waiting for each call), without it stops reading at the rows.
   * A retried attempt (connection lost mid-body) calls `onRestart` first: rows handed on before are void.
   */
  async streamResult(jobId: string, options: ResultStreamOptions = {}): Promise<BatchJobResultHead> {
    const { onRows, onRestart, batchRows, signal } = options;
    const answer = await this.streams.getStreamed(
      'batch/getresult',
      { jobid: jobId },
      (body, context) => {
        if (context.attempt > 1) onRestart?.();
        return readResultStream(jobId, body, { onRows, batchRows }, toResultRow, context.apiError);
      },
      signal,
    );
    const { rows: _rows, ...head } = answer;
    return head;
  }

  /** `batch/invite` (synchronous): invites members, departments and tags; resolves the ids WeCom refused. */
  async invite(body: { user?: string[]; party?: number[]; tag?: number[] }): Promise<InviteResult> {
    const answer = await this.client.post<{ invaliduser?: unknown; invalidparty?: unknown; invalidtag?: unknown }>(
      'batch/invite',
      body,
    );
    return {
      invalidUsers: toArray(answer.invaliduser).map(String),
      invalidParties: toArray(answer.invalidparty).map(Number),
      invalidTags: toArray(answer.invalidtag).map(Number),
    };
  }
}

/** A typed result row from WeCom's raw one (party `action` decoded; unknown fields tolerated). */
export function toResultRow(row: RawResultRow, type: string): BatchResultRow {
  const errcode = toNumber(row.errcode);
  const errmsg = typeof row.errmsg === 'string' ? row.errmsg : '';
  if (type === 'replace_party' || (row.partyid !== undefined && row.userid === undefined)) {
    const action = toNumber(row.action);
    const party: BatchPartyResultRow = {
      partyid: toNumber(row.partyid),
      action,
      actions: {
        created: (action & 1) !== 0,
        renamed: (action & 2) !== 0,
        moved: (action & 4) !== 0,
        reordered: (action & 8) !== 0,
      },
      errcode,
      errmsg,
    };
    return party;
  }
  const user: BatchUserResultRow = { userid: String(row.userid ?? ''), errcode, errmsg };
  return user;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
