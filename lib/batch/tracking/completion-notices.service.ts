import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '../../internal/safe-error.util.js';
import { STORE_KEYS } from '../../stores/store-keys.js';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';

/** At most this many echoes of this instance's own notices are awaited at once. */
const MAX_ECHOES_DUE = 10_000;

/**
 * How instances tell each other that a job of the corp completed (the message is the JobId), so `waitForJob` on
 * one instance resolves when the callback landed on another. Best effort both ways: every poll re-reads the job
 * record, so a lost notice only delays.
 */
@Injectable()
export class CompletionNotices {
  private readonly logger = new Logger(CompletionNotices.name);
  private unsubscribe?: () => Promise<void>;
  /**
   * Notices this instance published whose echo has not come back yet (a store delivers a publisher its own
   * messages too), per JobId: the echo is dropped, since this instance settled the job itself already —
   * following it would cost a record read and a second settle per job.
   */
  private readonly echoesDue = new Map<string, number>();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
  ) {}

  private get channel(): string {
    return STORE_KEYS.jobsCompletedChannel(this.options.corpId);
  }

  /** Calls `onNotice(jobId)` for every completion notice, until {@link stop}. Never rejects. */
  async listen(onNotice: (jobId: string) => void): Promise<void> {
    try {
      this.unsubscribe = await this.store.subscribe(this.channel, (jobId) => {
        if (!this.takeEcho(jobId)) onNotice(jobId);
      });
    } catch (error) {
      // Not fatal: trackers also re-read the job record on every poll, so a missed notification only delays.
      this.logger.error(`cannot subscribe to job completions: ${describeError(error)}`);
    }
  }

  /** Tells the other instances that `jobId` completed. Never rejects: the job is completed and persisted already. */
  async publish(jobId: string): Promise<void> {
    if (this.unsubscribe) this.expectEcho(jobId);
    await this.store.publish(this.channel, jobId).catch((error: unknown) => {
      this.takeEcho(jobId);
      this.logger.warn(`could not notify other instances of job ${jobId}: ${describeError(error)}`);
    });
  }

  private expectEcho(jobId: string): void {
    this.echoesDue.set(jobId, (this.echoesDue.get(jobId) ?? 0) + 1);
    // Bounded: an echo lost by the store leaves an entry behind; the oldest goes first.
    if (this.echoesDue.size > MAX_ECHOES_DUE) this.echoesDue.delete(this.echoesDue.keys().next().value as string);
  }

  /** True (and forgets it) when `jobId`'s notice is an echo of this instance's own. */
  private takeEcho(jobId: string): boolean {
    const due = this.echoesDue.get(jobId);
    if (due === undefined) return false;
    if (due > 1) this.echoesDue.set(jobId, due - 1);
    else this.echoesDue.delete(jobId);
    return true;
  }

  /** Stops listening (before the store closes at shutdown). */
  async stop(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.().catch(() => undefined);
  }
}
