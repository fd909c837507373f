import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { Observable } from 'rxjs';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { WeComInvalidRequestError } from '../errors/wecom-invalid-request.error.js';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import { BatchJobSubmittedEvent } from '../events/batch-job-submitted.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { emitSafely } from '../internal/emit.util.js';
import { callbackKeyFingerprint } from '../internal/key-fingerprint.util.js';
import type { BatchJobResult, BatchJobType } from '../model/batch-job.types.js';
import { tracedSubmit, tracedUpload } from '../telemetry/batch-spans.util.js';
import { logFields } from '../telemetry/log-fields.util.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_CORP_DIRECTORY,
} from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { BatchApi, type InviteResult } from './api/batch-api.service.js';
import { BatchJob } from './batch-job.handle.js';
import { ExportService } from './export/export.service.js';
import { BatchMirrorMethods } from './mirror/batch-mirror.methods.js';
import { DirectoryMirror } from './mirror/directory-mirror.service.js';
import { toBuffer, type PreparedFile } from './submission/import-source.util.js';
import type { DepartmentSource, MemberImportOptions, MemberSource } from './submission/import-source.types.js';
import { JobSubmitter } from './submission/job-submitter.service.js';
import { uploadImportParts } from './submission/import-upload.util.js';
import type { UploadedPart } from './submission/split-source.util.js';
import { startSplitSync } from './submission/split-sync.runner.js';
import { JobTracker } from './tracking/job-tracker.service.js';
import type { BatchJobProgress } from './tracking/tracking.types.js';

/** What `batch/invite` should invite (at least one list non-empty). */
export interface InviteRequest {
  /** Member userids, at most 1,000. */
  users?: string[] | undefined;
  /** Department ids, at most 100. */
  parties?: number[] | undefined;
  /** Tag ids, at most 100. */
  tags?: number[] | undefined;
}

/** Options of `waitForJob` / `watchJob`. */
export interface WaitOptions {
  /**
   * Give up waiting after this long (the job is still tracked).
   * @default polling.timeoutMs (2 h)
   */
  timeoutMs?: number | undefined;
}

const INVITE_LIMITS = { users: 1000, parties: 100, tags: 100 } as const;

/** The corps of a registration (`lib/corps/` CorpDirectory), behind `forCorp` / `forgetCorp`. */
export interface BatchCorpDirectory {
  batchFor(corpId: string): Promise<BatchService>;
  forget(corpId: string): Promise<void>;
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
export class BatchService extends BatchMirrorMethods {
  private readonly logger = new Logger(BatchService.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(BatchApi) private readonly api: BatchApi,
    @Inject(JobSubmitter) private readonly submitter: JobSubmitter,
    @Inject(JobTracker) private readonly tracker: JobTracker,
    @Inject(WECOM_BATCH_EMITTER) private readonly events: EventEmitter2,
    // Behind exportUsers, readExport, listUserIds… (BatchDirectoryMethods).
    @Inject(ExportService) protected readonly directory: ExportService,
    // Behind planDirectory, applyPlan, mirrorDirectory (BatchMirrorMethods).
    @Inject(DirectoryMirror) protected readonly mirror: DirectoryMirror,
    @Optional() @Inject(WECOM_CORP_DIRECTORY) private readonly corps?: BatchCorpDirectory,
  ) {
    super();
  }

  /** The CorpID this service submits jobs for. */
  get corpId(): string {
    return this.options.corpId;
  }

  /**
   * The `BatchService` of another corp, looked up with the `resolveCorp` option the first time (then cached, with
   * its own token manager, import slot and tracker); this service for its own CorpID.
   * @throws WeComConfigError without `resolveCorp`, for a corp it does not know, or for invalid credentials
   */
  async forCorp(corpId: string): Promise<BatchService> {
    if (corpId === this.corpId) return this;
    if (!this.corps) throw new WeComConfigError(`forCorp('${corpId}') needs the resolveCorp option`);
    return this.corps.batchFor(corpId);
  }

  /**
   * Forgets a corp `forCorp` resolved (its credentials changed, or it left): its jobs stop being followed on this
   * instance (their records stay) and the next `forCorp` resolves it again.
   */
  async forgetCorp(corpId: string): Promise<void> {
    await this.corps?.forget(corpId);
  }

  /** Which callback pair new jobs are submitted with (a fingerprint, never a key), kept in each job record. */
  private get callbackKeyFingerprint(): string | undefined {
    const { callback } = this.options;
    return callback ? callbackKeyFingerprint(callback) : undefined;
  }

  /**
   * 增量更新成员 (`batch/syncuser`): creates members missing from the directory and updates the columns present in
   * the file; members not in the file and columns not in the file are left alone.
   *
   * A file over `mediaLimitBytes` (WeCom takes at most 20 MB) runs as several `sync_user` jobs, split at row
   * boundaries (the header in each file, each member in exactly one part), all uploaded first and then submitted
   * one after another; the returned handle stands for the whole run (see `BatchJob`), and
   * `wecom.batch.run.completed` reports its end.
   * @throws WeComRowValidationError (every bad row and field, before anything is uploaded)
   */
  async syncUsers(source: MemberSource, options: MemberImportOptions = {}): Promise<BatchJob> {
    const parts = await this.uploadParts('sync_user', source);
    const first = await this.submit('sync_user', parts[0], options.toInvite);
    return parts.length === 1 ? first : this.runSplit(parts, first, options.toInvite);
  }

  /**
   * 全量覆盖成员 (`batch/replaceuser`): the directory's members become exactly the file's — members not in the
   * file are DELETED. WeCom refuses deletions over its guard (45026: >50 members and >20 %, or >80 % of a small
   * corp). Run `replaceDepartments` first for a full mirror.
   * @throws WeComRowValidationError (every bad row and field, before anything is uploaded)
   * @throws WeComFileTooLargeError over `mediaLimitBytes`, before anything is uploaded (a replace cannot be split)
   */
  async replaceUsers(source: MemberSource, options: MemberImportOptions = {}): Promise<BatchJob> {
    const [file] = await this.uploadParts('replace_user', source);
    return this.submit('replace_user', file, options.toInvite);
  }

  /**
   * 全量覆盖部门 (`batch/replaceparty`): the department tree becomes the file's; departments not in the file are
   * deleted when they have no members and no sub-departments.
   * @throws WeComRowValidationError (every bad row, duplicate id, broken tree or sibling-name clash)
   * @throws WeComFileTooLargeError over `mediaLimitBytes`, before anything is uploaded (a replace cannot be split)
   */
  async replaceDepartments(source: DepartmentSource): Promise<BatchJob> {
    const [file] = await this.uploadParts('replace_party', source);
    return this.submit('replace_party', file, undefined);
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

  /** Validates, writes and uploads the source's CSV (see `uploadImportParts`): one part unless a sync is split. */
  private uploadParts(jobType: BatchJobType, source: MemberSource | DepartmentSource): Promise<UploadedPart[]> {
    return uploadImportParts(
      {
        corpId: this.corpId,
        maxBytes: this.options.mediaLimitBytes,
        csv: { allowCsvQuoting: this.options.allowCsvQuoting },
        uploadCsv: (csv, filename) => this.api.uploadCsv(csv, filename),
      },
      jobType,
      source,
    );
  }

  /** The rest of a split sync, after its first part was submitted: one part at a time, in the background. */
  private runSplit(parts: UploadedPart[], first: BatchJob, toInvite: boolean | undefined): BatchJob {
    const { run, rows } = startSplitSync(parts, first, {
      corpId: this.corpId,
      logger: this.logger,
      mediaLimitBytes: this.options.mediaLimitBytes,
      submit: (part) => this.submit('sync_user', part, toInvite),
      watchJob: (jobId) => this.tracker.watchJob(jobId),
      emit: (event) => emitSafely(this.events, this.logger, WECOM_BATCH_EVENTS.RUN_COMPLETED, event),
    });
    return new BatchJob(this.corpId, first.jobId, 'sync_user', first.mediaId, rows, first.submittedAt, this, run);
  }

  /** Upload (outside the import slot: media ids live 3 days), submit once the slot is free, track. */
  private async submit(jobType: BatchJobType, file: PreparedFile, toInvite: boolean | undefined): Promise<BatchJob> {
    const csv = file.csv as Buffer;
    const mediaId =
      file.mediaId ??
      (await tracedUpload(this.corpId, jobType, csv.length, () =>
        this.api.uploadCsv(csv, `${jobType}-${Date.now()}.csv`),
      ));
    // Until its record is saved, a callback for the new job must not be taken for one of an unknown job.
    const submitted = this.tracker.beginSubmission();
    let jobId: string;
    let submittedAt: Date;
    try {
      const job = await tracedSubmit(this.corpId, jobType, () =>
        this.tracker.submitting(jobType, () => this.submitter.submit(jobType, mediaId, toInvite)),
      );
      jobId = job.jobId;
      submittedAt = new Date();
      await this.tracker.registerSubmission(
        {
          corpId: this.corpId,
          jobId,
          jobType,
          mediaId,
          rows: file.rows,
          submittedAt: submittedAt.getTime(),
          status: 'pending',
          callbackKeyFingerprint: this.callbackKeyFingerprint,
        },
        () => void job.slot.release(),
      );
    } finally {
      submitted();
    }
    this.logger.log(
      `submitted ${jobType} job ${jobId}${file.rows === undefined ? '' : ` (${file.rows} rows)`}` +
        logFields({ jobId, jobType, rows: file.rows }),
    );
    emitSafely(
      this.events,
      this.logger,
      WECOM_BATCH_EVENTS.JOB_SUBMITTED,
      new BatchJobSubmittedEvent({
        corpId: this.corpId,
        registration: this.options.registration,
        jobId,
        jobType,
        mediaId,
        rows: file.rows,
        submittedAt,
      }),
    );
    return new BatchJob(this.corpId, jobId, jobType, mediaId, file.rows, submittedAt, this);
  }
}
