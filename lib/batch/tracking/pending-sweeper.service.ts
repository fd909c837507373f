import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '../../internal/safe-error.util.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { JobPoller } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';

/**
 * How often every instance looks for pending jobs nobody follows (their instance crashed and was not replaced).
 * Following a job on several instances is harmless: the completion lease decides who emits.
 */
const SWEEP_EVERY_MS = 60_000;

/**
 * Follows the pending jobs of the corp this instance does not follow yet: at bootstrap (jobs left by a restart
 * or a crash) and every minute after (jobs of an instance that crashed and was not replaced). Jobs this instance
 * abandoned (timed out, unknown to WeCom) are left alone. Off with `resumePendingJobs: false`.
 */
@Injectable()
export class PendingSweeper {
  private readonly logger = new Logger(PendingSweeper.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(JobRecords) private readonly records: JobRecords,
    @Inject(JobPoller) private readonly poller: JobPoller,
  ) {}

  /** Resumes the pending jobs now, then sweeps every minute until {@link stop}. Never rejects. */
  async start(): Promise<void> {
    if (!this.options.resumePendingJobs || this.stopped) return;
    await this.sweep();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    // The sweep alone must not keep a process alive.
    this.timer.unref();
  }

  /** Stops sweeping (at shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const pending = await this.records.listPending();
      this.poller.pruneAbandoned(new Set(pending.map((r) => r.jobId)));
      const orphans = pending.filter((r) => !this.poller.isFollowing(r.jobId) && !this.poller.isAbandoned(r.jobId));
      for (const record of orphans) this.poller.track(record.jobId, record.callback ? { delayMs: 0 } : {});
      if (orphans.length > 0) this.logger.log(`following ${orphans.length} pending job(s) found in the store`);
    } catch (error) {
      this.logger.error(`cannot list pending jobs: ${describeError(error)}`);
    }
  }
}
