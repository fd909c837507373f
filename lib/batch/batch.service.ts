import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Observable } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { WeComImportBusyError } from '../errors/wecom-import-busy.error.js';
import { WeComInvalidRequestError } from '../errors/wecom-invalid-request.error.js';
import { WeComSubmissionUncertainError } from '../errors/wecom-submission-uncertain.error.js';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import { BatchJobSubmittedEvent } from '../events/batch-job-submitted.event.js';
import type { BatchJobType } from '../model/batch-job.types.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { WECOM_BATCH_EMITTER, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { BatchApi, type BatchSubmitBody, type InviteResult } from './batch-api.js';
import { BatchJob } from './batch-job.js';
import type { BatchJobResult } from '../model/batch-job.types.js';
import type { BatchJobProgress } from './batch-result.types.js';
import { buildDepartmentCsv } from './csv/department-csv.js';
import { buildMemberCsv } from './csv/member-csv.js';
import { ImportQueue } from './import-queue.js';
import { JobTracker } from './job-tracker.service.js';
import type { DepartmentRow } from './rows/department-row.js';
import type { MemberRow } from './rows/member-row.js';

/** Members to import: typed rows (validated, then written as CSV), a ready CSV, or an uploaded file's media_id. */
export type MemberSource = { users: Iterable<MemberRow> } | { csv: Buffer | string } | { mediaId: string };

/** Departments to import: typed rows, a ready CSV, or an uploaded file's media_id. */
export type DepartmentSource =
  { departments: Iterable<DepartmentRow> } | { csv: Buffer | string } | { mediaId: string };

/** Options of `syncUsers` / `replaceUsers`. */
export interface MemberImportOptions {
  /**
   * Invite newly created members to use WeCom (a notice a day for up to 3 days). Omitted: WeCom's default,
   * which is `true` — pass `false` to create members silently.
   */
  toInvite?: boolean;
}

/** What `batch/invite` should invite (at least one list non-empty). */
export interface InviteRequest {
  /** Member userids, at most 1,000. */
  users?: string[];
  /** Department ids, at most 100. */
  parties?: number[];
  /** Tag ids, at most 100. */
  tags?: number[];
}

/** Options of `waitForJob` / `watchJob`. */
export interface WaitOptions {
  /**
   * Give up waiting after this long (the job is still tracked).
   * @default polling.timeoutMs (2 h)
   */
  timeoutMs?: number;
}

const INVITE_LIMITS = { users: 1000, parties: 100, tags: 100 } as const;
/** 302008 (another import running): wait this long, doubling, before resubmitting. */
const BUSY_RETRY_MS = { first: 2_000, max: 30_000 };
const BUSY = 302008;

interface PreparedFile {
  csv?: Buffer;
  mediaId?: string;
  rows?: number;
}

/**
 * Submits WeCom contact-import jobs (异步批量接口) and tracks them to completion. Inject it anywhere:
 *
 * ```ts
 * constructor(private readonly batch: BatchService) {}
 *
 * const job = await this.batch.syncUsers({ users: [{ userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [1] }] });
 * const done = await job.wait(); // also emitted as wecom.batch.job.completed
 * ```
 *
 * Imports of one corp run one at a time (WeCom's rule, 302008): a submission waits for the previous job to
 * complete. For a full mirror call `replaceDepartments`, wait for it, then `replaceUsers`.
 */
@Injectable()
export class BatchService {
  private readonly logger = new Logger(BatchService.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(BatchApi) private readonly api: BatchApi,
    @Inject(ImportQueue) private readonly queue: ImportQueue,
    @Inject(JobTracker) private readonly tracker: JobTracker,
    @Inject(WECOM_BATCH_EMITTER) private readonly events: EventEmitter2,
  ) {}

  /** The CorpID this service submits jobs for. */
  get corpId(): string {
    return this.options.corpId;
  }

  /**
   * 增量更新成员 (`batch/syncuser`): creates members missing from the directory and updates the columns present in
   * the file; members not in the file and columns not in the file are left alone.
   * @throws WeComRowValidationError (every bad row and field, before anything is uploaded)
   */
  async syncUsers(source: MemberSource, options: MemberImportOptions = {}): Promise<BatchJob> {
    return this.submit('sync_user', await this.prepareMembers(source), options.toInvite);
  }

  /**
   * 全量覆盖成员 (`batch/replaceuser`): the directory's members become exactly the file's — members not in the
   * file are DELETED. WeCom refuses deletions over its guard (45026: >50 members and >20 %, or >80 % of a small
   * corp). Run `replaceDepartments` first for a full mirror.
   * @throws WeComRowValidationError (every bad row and field, before anything is uploaded)
   */
  async replaceUsers(source: MemberSource, options: MemberImportOptions = {}): Promise<BatchJob> {
    return this.submit('replace_user', await this.prepareMembers(source), options.toInvite);
  }

  /**
   * 全量覆盖部门 (`batch/replaceparty`): the department tree becomes the file's; departments not in the file are
   * deleted when they have no members and no sub-departments.
   * @throws WeComRowValidationError (every bad row, duplicate id, broken tree or sibling-name clash)
   */
  async replaceDepartments(source: DepartmentSource): Promise<BatchJob> {
    let prepared: PreparedFile;
    if ('departments' in source) {
      const built = await buildDepartmentCsv(source.departments, { allowCsvQuoting: this.options.allowCsvQuoting });
      prepared = { csv: built.csv, rows: built.rows };
    } else {
      prepared = this.prepareRaw(source);
    }
    return this.submit('replace_party', prepared, undefined);
  }

  /** `batch/getresult`: status, progress and (once done) the typed per-row results of a job. */
  getResult(jobId: string): Promise<BatchJobResult> {
    return this.api.getResult(jobId);
  }

  /**
   * 邀请成员 (`batch/invite`, synchronous). Resolves the ids WeCom could not invite. Success does not mean
   * delivered: WeCom checks invitation frequency asynchronously.
   * @throws WeComInvalidRequestError over the limits (1,000 users, 100 parties, 100 tags) or with all lists empty
   */
  async invite(request: InviteRequest): Promise<InviteResult> {
    const { users = [], parties = [], tags = [] } = request;
    for (const [field, list] of Object.entries({ users, parties, tags }) as [keyof typeof INVITE_LIMITS, unknown[]][]) {
      if (list.length > INVITE_LIMITS[field]) {
        throw new WeComInvalidRequestError(field, `at most ${INVITE_LIMITS[field]} per call, got ${list.length}`);
      }
    }
    if (users.length + parties.length + tags.length === 0) {
      throw new WeComInvalidRequestError('users', 'users, parties and tags cannot all be empty');
    }
    return this.api.invite({
      ...(users.length ? { user: users } : {}),
      ...(parties.length ? { party: parties } : {}),
      ...(tags.length ? { tag: tags } : {}),
    });
  }

  /** Uploads a CSV as a temporary file (valid 3 days) and resolves its media_id, e.g. to submit it later. */
  async uploadCsv(csv: Buffer | string, filename = 'import.csv'): Promise<string> {
    return this.api.uploadCsv(toBuffer(csv), filename);
  }

  /**
   * Resolves with the completed-event payload of a job — from its callback, or from polling `getresult` when
   * no callback comes — also when another instance received the callback.
   * @throws WeComJobTimeoutError after `timeoutMs`; the WeCom error when the job cannot be tracked (40088)
   */
  waitForJob(jobId: string, options: WaitOptions = {}): Promise<BatchJobCompletedEvent> {
    return this.tracker.waitForJob(jobId, options.timeoutMs);
  }

  /** Progress reports (`status`, `percentage`) of a job until it completes; the last one carries `completed`. */
  watchJob(jobId: string, options: WaitOptions = {}): Observable<BatchJobProgress> {
    return this.tracker.watchJob(jobId, options.timeoutMs);
  }

  private async prepareMembers(source: MemberSource): Promise<PreparedFile> {
    if ('users' in source) {
      const built = await buildMemberCsv(source.users, { allowCsvQuoting: this.options.allowCsvQuoting });
      return { csv: built.csv, rows: built.rows };
    }
    return this.prepareRaw(source);
  }

  private prepareRaw(source: { csv: Buffer | string } | { mediaId: string }): PreparedFile {
    if ('mediaId' in source) {
      if (typeof source.mediaId !== 'string' || source.mediaId.length === 0) {
        throw new WeComInvalidRequestError('source.mediaId', 'must be a non-empty string');
      }
      return { mediaId: source.mediaId };
    }
    if ('csv' in source) {
      const csv = toBuffer(source.csv);
      return { csv, rows: countDataRows(csv) };
    }
    throw new WeComInvalidRequestError('source', 'give rows, { csv } or { mediaId }');
  }

  /** Upload (outside the queue: media ids live 3 days), wait for the import slot, submit, track. */
  private async submit(jobType: BatchJobType, file: PreparedFile, toInvite: boolean | undefined): Promise<BatchJob> {
    const mediaId = file.mediaId ?? (await this.api.uploadCsv(file.csv as Buffer, `${jobType}-${Date.now()}.csv`));
    const body: BatchSubmitBody = { media_id: mediaId };
    if (toInvite !== undefined && jobType !== 'replace_party') body.to_invite = toInvite;
    const { callback } = this.options;
    if (callback) body.callback = { url: callback.url, token: callback.token, encodingaeskey: callback.encodingAESKey };

    const slot = await this.queue.acquire();
    let jobId: string;
    try {
      jobId = await this.submitWhenFree(jobType, body);
    } catch (error) {
      await slot.release();
      throw error;
    }
    const submittedAt = new Date();
    await this.tracker.registerSubmission(
      {
        corpId: this.corpId,
        jobId,
        jobType,
        mediaId,
        rows: file.rows,
        submittedAt: submittedAt.getTime(),
        status: 'pending',
      },
      () => void slot.release(),
    );
    this.logger.log(`submitted ${jobType} job ${jobId}${file.rows === undefined ? '' : ` (${file.rows} rows)`}`);
    this.emit(
      new BatchJobSubmittedEvent({ corpId: this.corpId, jobId, jobType, mediaId, rows: file.rows, submittedAt }),
    );
    return new BatchJob(this.corpId, jobId, jobType, mediaId, file.rows, submittedAt, this);
  }

  /**
   * Submits, waiting out 302008 (an import this module did not start is running: another system, or a job
   * whose submission answer was lost). Never re-sends a submission that may have reached WeCom.
   */
  private async submitWhenFree(jobType: BatchJobType, body: BatchSubmitBody): Promise<string> {
    const started = Date.now();
    let delay = BUSY_RETRY_MS.first;
    for (;;) {
      try {
        return await this.api.submit(jobType, body);
      } catch (error) {
        if (error instanceof WeComApiError && error.maybeDelivered) {
          throw new WeComSubmissionUncertainError(this.corpId, jobType, body.media_id, { cause: error });
        }
        if (!(error instanceof WeComApiError) || error.errcode !== BUSY) throw error;
        if (this.options.importQueue === 'fail-fast') throw new WeComImportBusyError(this.corpId, { cause: error });
        if (Date.now() - started + delay > this.options.polling.timeoutMs) throw error;
        this.logger.warn(
          `another import is running in WeCom (302008); retrying ${jobType} in ${Math.round(delay / 1000)} s`,
        );
        await sleep(delay * (0.75 + Math.random() / 2));
        delay = Math.min(delay * 2, BUSY_RETRY_MS.max);
      }
    }
  }

  private emit(event: BatchJobSubmittedEvent): void {
    try {
      this.events.emit(WECOM_BATCH_EVENTS.JOB_SUBMITTED, event);
    } catch (error) {
      this.logger.error(`a listener of job ${event.jobId}'s submitted event threw: ${String(error)}`);
    }
  }
}

function toBuffer(csv: Buffer | string): Buffer {
  return typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
}

/** Data rows of a CSV: lines after the header, ignoring a trailing line break. */
function countDataRows(csv: Buffer): number {
  let lines = 0;
  for (let i = csv.indexOf(10); i !== -1; i = csv.indexOf(10, i + 1)) lines++;
  if (csv.length > 0 && csv[csv.length - 1] !== 10) lines++;
  return Math.max(lines - 1, 0);
}
