import { Inject, Injectable, Logger } from '@nestjs/common';
import { IMPORT_BUSY_ERRCODE } from '../../client/wecom-errcodes.js';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComImportBusyError } from '../../errors/wecom-import-busy.error.js';
import { WeComSubmissionUncertainError } from '../../errors/wecom-submission-uncertain.error.js';
import { backoffDelay, sleep } from '../../internal/backoff.util.js';
import type { BatchJobType } from '../../model/batch-job.types.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { BatchApi, type BatchSubmitBody } from '../api/batch-api.service.js';
import { ImportSlotService, type ImportSlot } from './import-slot.service.js';

/** 302008 (another import running): wait about this long, doubling, before resubmitting. */
const BUSY_RETRY = { baseMs: 2_000, maxMs: 30_000 };

/** A job WeCom accepted, with the import slot it holds until it completes. */
export interface SubmittedJob {
  jobId: string;
  /** Release it when the job completed (the tracker does, through `registerSubmission`). */
  slot: ImportSlot;
}

/**
 * Posts import jobs: takes the corp's import slot, posts the job, and waits out WeCom's 302008 — the one place
 * that does. 302008 still comes when an import this module did not start is running (another system, a job
 * submitted by hand, or one whose submission answer was lost), so the submitter resubmits with backoff for
 * up to `importBusyTimeoutMs`.
 */
@Injectable()
export class JobSubmitter {
  private readonly logger = new Logger(JobSubmitter.name);

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(BatchApi) private readonly api: BatchApi,
    @Inject(ImportSlotService) private readonly slots: ImportSlotService,
  ) {}

  /**
   * Submits the uploaded file `mediaId` as a `jobType` job, once the corp's import slot is free. The slot is
   * released here when the submission fails, and handed to the caller when it succeeds.
   * @throws WeComImportBusyError with `importQueue: 'fail-fast'` when another import is running
   * @throws WeComSubmissionUncertainError when the submission may have reached WeCom (never re-sent)
   * @throws WeComApiError 302008 when WeCom stayed busy for `importBusyTimeoutMs`
   */
  async submit(jobType: BatchJobType, mediaId: string, toInvite?: boolean): Promise<SubmittedJob> {
    const body = this.body(jobType, mediaId, toInvite);
    const slot = await this.slots.acquire();
    try {
      return { jobId: await this.postWhenFree(jobType, body), slot };
    } catch (error) {
      await slot.release();
      throw error;
    }
  }

  private body(jobType: BatchJobType, mediaId: string, toInvite: boolean | undefined): BatchSubmitBody {
    const body: BatchSubmitBody = { media_id: mediaId };
    // replaceparty has no invitation flag.
    if (toInvite !== undefined && jobType !== 'replace_party') body.to_invite = toInvite;
    const { callback } = this.options;
    if (callback) body.callback = { url: callback.url, token: callback.token, encodingaeskey: callback.encodingAESKey };
    return body;
  }

  /** Posts, resubmitting after 302008 until `importBusyTimeoutMs`. Never re-sends one that may have arrived. */
  private async postWhenFree(jobType: BatchJobType, body: BatchSubmitBody): Promise<string> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api.submit(jobType, body);
      } catch (error) {
        if (error instanceof WeComApiError && error.maybeDelivered) {
          throw new WeComSubmissionUncertainError(this.options.corpId, jobType, body.media_id, { cause: error });
        }
        if (!(error instanceof WeComApiError) || error.errcode !== IMPORT_BUSY_ERRCODE) throw error;
        if (this.options.importQueue === 'fail-fast') {
          throw new WeComImportBusyError(this.options.corpId, { cause: error });
        }
        const delay = backoffDelay(attempt, BUSY_RETRY);
        if (Date.now() - started + delay > this.options.importBusyTimeoutMs) throw error;
        this.logger.warn(
          `another import is running in WeCom (302008); retrying ${jobType} in ${Math.round(delay / 1000)} s`,
        );
        await sleep(delay);
      }
    }
  }
}
