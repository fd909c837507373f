import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Observable } from 'rxjs';
import { WeComInvalidRequestError } from '../errors/wecom-invalid-request.error.js';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import { BatchJobSubmittedEvent } from '../events/batch-job-submitted.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { emitSafely } from '../internal/emit.util.js';
import type { BatchJobResult, BatchJobType } from '../model/batch-job.types.js';
import { WECOM_BATCH_EMITTER, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { BatchApi, type InviteResult } from './api/batch-api.service.js';
import { BatchJob } from './batch-job.handle.js';
import {
  prepareDepartmentSource,
  prepareMemberSource,
  toBuffer,
  type PreparedFile,
} from './submission/import-source.util.js';
import type { DepartmentSource, MemberImportOptions, MemberSource } from './submission/import-source.types.js';
import { JobSubmitter } from './submission/job-submitter.service.js';
import { JobTracker } from './tracking/job-tracker.service.js';
import type { BatchJobProgress } from './tracking/tracking.types.js';

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
    @Inject(JobSubmitter) private readonly submitter: JobSubmitter,
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
    return this.submit('sync_user', await prepareMemberSource(source, this.csvOptions), options.toInvite);
  }

  /**
   * 全量覆盖成员 (`batch/replaceuser`): the directory's members become exactly the file's — members not in the
   * file are DELETED. WeCom refuses deletions over its guard (45026: >50 members and >20 %, or >80 % of a small
   * corp). Run `replaceDepartments` first for a full mirror.
   * @throws WeComRowValidationError (every bad row and field, before anything is uploaded)
   */
  async replaceUsers(source: MemberSource, options: MemberImportOptions = {}): Promise<BatchJob> {
    return this.submit('replace_user', await prepareMemberSource(source, this.csvOptions), options.toInvite);
  }

  /**
   * 全量覆盖部门 (`batch/replaceparty`): the department tree becomes the file's; departments not in the file are
   * deleted when they have no members and no sub-departments.
   * @throws WeComRowValidationError (every bad row, duplicate id, broken tree or sibling-name clash)
   */
  async replaceDepartments(source: DepartmentSource): Promise<BatchJob> {
    return this.submit('replace_party', await prepareDepartmentSource(source, this.csvOptions), undefined);
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

  /** How rows become CSV: quoting only when the app allowed it. */
  private get csvOptions(): { allowCsvQuoting: boolean } {
    return { allowCsvQuoting: this.options.allowCsvQuoting };
  }

  /** Upload (outside the import slot: media ids live 3 days), submit once the slot is free, track. */
  private async submit(jobType: BatchJobType, file: PreparedFile, toInvite: boolean | undefined): Promise<BatchJob> {
    const mediaId = file.mediaId ?? (await this.api.uploadCsv(file.csv as Buffer, `${jobType}-${Date.now()}.csv`));
    const { jobId, slot } = await this.submitter.submit(jobType, mediaId, toInvite);
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
    emitSafely(
      this.events,
      this.logger,
      WECOM_BATCH_EVENTS.JOB_SUBMITTED,
      new BatchJobSubmittedEvent({ corpId: this.corpId, jobId, jobType, mediaId, rows: file.rows, submittedAt }),
    );
    return new BatchJob(this.corpId, jobId, jobType, mediaId, file.rows, submittedAt, this);
  }
}
