import { Inject, Injectable } from '@nestjs/common';
import { DETAIL_READ_RESTRICTED_ERRCODE } from '../../client/wecom-errcodes.js';
import { WeComClient } from '../../client/wecom-client.service.js';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComDetailReadRestrictedError } from '../../errors/wecom-detail-read-restricted.error.js';
import type { ExportJobType } from '../../model/batch-job.types.js';
import type { DepartmentIdEntry, ExportFileInfo, ExportJobResult, UserIdEntry } from './export-rows.types.js';

/** The submission endpoint of each export type. */
export const EXPORT_ENDPOINTS: Record<ExportJobType, string> = {
  export_user: 'export/user',
  export_simple_user: 'export/simple_user',
  export_department: 'export/department',
  export_taguser: 'export/taguser',
};

/** Body of an `export/*` submission. `encoding_aeskey` is a secret: the client never logs bodies. */
export interface ExportSubmitBody {
  encoding_aeskey: string;
  block_size: number;
  /** `export/taguser` only. */
  tagid?: number;
}

/** One page of `user/list_id`. */
export interface UserIdPage {
  entries: UserIdEntry[];
  /** The cursor of the next page; `undefined` at the end. */
  nextCursor?: string;
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/**
 * The export and ID-list endpoints, typed: `export/*` submissions, `export/get_result` (a GET — some SDKs POST
 * it, which WeCom refuses), `user/list_id` and `department/simplelist`. 48009 (details may not be read from this
 * IP) becomes a {@link WeComDetailReadRestrictedError}; every other failure is the client's `WeComApiError`.
 */
@Injectable()
export class ExportApi {
  constructor(@Inject(WeComClient) private readonly client: WeComClient) {}

  /** Submits an export. Not idempotent (a second submission starts a second job): never re-sent after sending. */
  async submit(jobType: ExportJobType, body: ExportSubmitBody): Promise<string> {
    const endpoint = EXPORT_ENDPOINTS[jobType];
    const answer = await this.call(endpoint, () =>
      this.client.post<{ jobid?: unknown }>(endpoint, body, { idempotent: false }),
    ).catch((error: unknown) => {
      throw withoutKey(error, body.encoding_aeskey);
    });
    if (typeof answer.jobid !== 'string' || answer.jobid.length === 0) {
      throw new WeComApiError({ kind: 'response', endpoint, errmsg: 'the answer has no jobid', retryable: false });
    }
    return answer.jobid;
  }

  /**
   * `export/get_result`, typed: `files` only at status 2, each with a checked `size` and `md5`. With
   * `statusOnly` the files are not looked at (the tracker only needs the status).
   */
  async getResult(jobId: string, signal?: AbortSignal, statusOnly = false): Promise<ExportJobResult> {
    const endpoint = 'export/get_result';
    const raw = await this.call(endpoint, () =>
      this.client.get<{ status?: unknown; data_list?: unknown }>(endpoint, { jobid: jobId }, { signal }),
    );
    const status = Number(raw.status);
    if (status !== 0 && status !== 1 && status !== 2 && status !== 3) {
      throw responseError(endpoint, `unexpected export status ${String(raw.status)}`);
    }
    if (status !== 2 || statusOnly) return { jobId, status, files: [] };
    if (!Array.isArray(raw.data_list)) throw responseError(endpoint, 'status 2 without a data_list array');
    const files = raw.data_list.map((entry: unknown, index: number) => toFile(entry, index, endpoint));
    return { jobId, status, files };
  }

  /** One page of `user/list_id` (1 ≤ limit ≤ 10,000): one entry per (member, department). */
  async listUserIdsPage(cursor: string | undefined, limit: number, signal?: AbortSignal): Promise<UserIdPage> {
    const endpoint = 'user/list_id';
    const raw = await this.call(endpoint, () =>
      this.client.post<{ next_cursor?: unknown; dept_user?: unknown }>(
        endpoint,
        cursor ? { cursor, limit } : { limit },
        { signal },
      ),
    );
    const rows = Array.isArray(raw.dept_user) ? raw.dept_user : [];
    const entries: UserIdEntry[] = [];
    for (const row of rows as Array<{ userid?: unknown; department?: unknown }>) {
      if (typeof row?.userid !== 'string') throw responseError(endpoint, 'a dept_user entry has no userid');
      entries.push({ userid: row.userid, department: Number(row.department) });
    }
    const next = typeof raw.next_cursor === 'string' && raw.next_cursor !== '' ? raw.next_cursor : undefined;
    return next === undefined ? { entries } : { entries, nextCursor: next };
  }

  /** `department/simplelist` of the whole tree (or of `id` and below). The answer's key is `department_id`. */
  async listDepartmentIds(id?: number, signal?: AbortSignal): Promise<DepartmentIdEntry[]> {
    const endpoint = 'department/simplelist';
    const raw = await this.call(endpoint, () =>
      this.client.get<{ department_id?: unknown }>(endpoint, id === undefined ? {} : { id }, { signal }),
    );
    if (!Array.isArray(raw.department_id)) throw responseError(endpoint, 'the answer has no department_id array');
    return (raw.department_id as Array<{ id?: unknown; parentid?: unknown; order?: unknown }>).map((d) => ({
      id: Number(d?.id),
      parentId: Number(d?.parentid ?? 0),
      order: Number(d?.order ?? 0),
    }));
  }

  /** Runs a call, turning 48009 into the error that explains it. */
  private async call<T>(endpoint: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof WeComApiError && error.errcode === DETAIL_READ_RESTRICTED_ERRCODE) {
        throw new WeComDetailReadRestrictedError(endpoint, error.errmsg, error.attempts);
      }
      throw error;
    }
  }
}

function toFile(entry: unknown, index: number, endpoint: string): ExportFileInfo {
  const { url, size, md5 } = (entry ?? {}) as { url?: unknown; size?: unknown; md5?: unknown };
  const bytes = Number(size);
  const digest = typeof md5 === 'string' ? md5.toLowerCase() : '';
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
    throw responseError(endpoint, `data_list[${index}] has no http(s) url`);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw responseError(endpoint, `data_list[${index}] has no valid size`);
  if (!MD5_HEX.test(digest)) throw responseError(endpoint, `data_list[${index}] has no valid md5`);
  return { url, size: bytes, md5: digest };
}

/**
 * The error of a refused submission, with the key scrubbed should WeCom have quoted it in its errmsg (40058
 * "invalid encoding_aeskey …"): the client's redactor knows the secret and tokens, not the per-export keys.
 */
function withoutKey(error: unknown, key: string): unknown {
  if (!(error instanceof WeComApiError) || !(error.message.includes(key) || error.errmsg.includes(key))) return error;
  const scrub = (text: string) => text.split(key).join('***');
  return new WeComApiError({
    kind: error.kind,
    endpoint: error.endpoint,
    errcode: error.errcode,
    errmsg: scrub(error.errmsg),
    retryable: error.retryable,
    maybeDelivered: error.maybeDelivered,
    httpStatus: error.httpStatus,
    transportCode: error.transportCode,
    attempts: error.attempts,
    message: scrub(error.message),
  });
}

function responseError(endpoint: string, errmsg: string): WeComApiError {
  return new WeComApiError({ kind: 'response', endpoint, errmsg, retryable: false });
}
