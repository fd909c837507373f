import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import { WeComTelemetry } from '../telemetry/wecom-telemetry.service.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';

/**
 * Reports `wecom.batch.jobs.pending` and `wecom.batch.jobs.pending.oldest_age` for the registration's corp on each
 * metric collection, from the store (so with RedisStore every instance reports the cluster's pending jobs: chart
 * the max, not the sum). Nothing without `@opentelemetry/api`.
 */
@Injectable()
export class PendingJobsGauge implements OnModuleInit, OnModuleDestroy {
  private stop: (() => void) | undefined;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
    @Inject(WeComTelemetry) private readonly telemetry: WeComTelemetry,
  ) {}

  onModuleInit(): void {
    const { corpId } = this.options;
    this.stop = this.telemetry.observePending(corpId, async () => {
      const pending = await this.store.listPendingJobs(corpId);
      const now = Date.now();
      const oldest = pending.reduce((min, job) => Math.min(min, job.submittedAt), now);
      return { count: pending.length, oldestAgeSeconds: Math.max(0, (now - oldest) / 1000) };
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
