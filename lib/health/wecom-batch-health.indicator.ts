import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { AccessTokenManager } from '../client/access-token.manager.js';
import type { BatchJobCompletedEvent } from '../events/batch-job-completed.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { describeErrorKind } from '../internal/safe-error.util.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_STORE,
} from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { loadHealthIndicatorService, type HealthIndicatorServiceLike } from './terminus.loader.js';
import { TokenHealthProbe, type TokenHealth } from './token-health.probe.js';

/** The details of a {@link WeComBatchHealthIndicator} report (beside Terminus's `status`). */
export interface WeComBatchHealthDetails {
  corpId: string;
  /** Whether the store answered (`down`: the store's error kind in `storeError`). */
  store: 'up' | 'down';
  storeError?: string;
  /** The access token: cached, obtainable, or why not (see {@link TokenHealth}). */
  token?: TokenHealth;
  /** Jobs submitted and not completed. */
  pendingJobs?: number;
  /** Pending jobs older than `polling.timeoutMs`: no longer followed, they need a person (down while > 0). */
  overdueJobs?: number;
  /** Age of the oldest pending job, in seconds. */
  oldestPendingAgeSeconds?: number;
  /** With a `callback` option: callbacks seen by this instance. */
  callbacks?: {
    /** Seconds since this instance completed a job from its callback; `null` when none since it started. */
    lastCallbackAgeSeconds: number | null;
    /** Jobs this instance completed by polling since that callback: callbacks that did not come. */
    completedByPollSinceLastCallback: number;
  };
}

/** What `isHealthy` resolves: Terminus's `HealthIndicatorResult` shape, `{ [key]: { status, ...details } }`. */
export type WeComBatchHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down' } & WeComBatchHealthDetails
>;

/**
 * A `@nestjs/terminus` health indicator for the module (built on Terminus 11+'s `HealthIndicatorService`):
 * down when the store does not answer, when no access token is cached or obtainable (never a `gettoken` per
 * probe; a bad secret is never retried), or when a job has been pending beyond `polling.timeoutMs`. The module
 * exports it:
 *
 * ```ts
 * @Controller('health')
 * class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly wecom: WeComBatchHealthIndicator) {}
 *   @Get() @HealthCheck()
 *   check() { return this.health.check([() => this.wecom.isHealthy('wecom')]); }
 * }
 * // in a module that imports TerminusModule and WeComBatchModule.forRoot(…)
 * ```
 *
 * `@nestjs/terminus` is an optional peer dependency, loaded lazily: without it the module boots all the same, and
 * `isHealthy` resolves the same result shape.
 */
@Injectable()
export class WeComBatchHealthIndicator implements OnModuleInit, OnModuleDestroy {
  private readonly probe: TokenHealthProbe;
  private indicators: HealthIndicatorServiceLike | undefined;
  private lastCallbackAt: number | undefined;
  private pollCompletions = 0;
  private readonly onCompleted = (event: BatchJobCompletedEvent): void => {
    if (event.corpId !== this.options.corpId) return;
    if (event.source === 'callback') {
      this.lastCallbackAt = Date.now();
      this.pollCompletions = 0;
    } else {
      this.pollCompletions += 1;
    }
  };

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
    @Inject(AccessTokenManager) tokens: AccessTokenManager,
    @Inject(WECOM_BATCH_EMITTER) private readonly emitter: EventEmitter2,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    this.probe = new TokenHealthProbe(tokens, store);
  }

  /** Loads Terminus's `HealthIndicatorService` when installed, and starts watching completions. */
  async onModuleInit(): Promise<void> {
    this.indicators = await loadHealthIndicatorService(this.moduleRef);
    this.emitter.on(WECOM_BATCH_EVENTS.JOB_COMPLETED, this.onCompleted);
  }

  onModuleDestroy(): void {
    this.emitter.off(WECOM_BATCH_EVENTS.JOB_COMPLETED, this.onCompleted);
  }

  /**
   * Checks the store, the access token and the pending jobs; `up` or `down` with {@link WeComBatchHealthDetails}.
   * Never throws: a failure is a `down` result (Terminus then answers 503).
   * @param key the key of the result in Terminus's report
   * @default key 'wecom'
   */
  async isHealthy<const Key extends string = 'wecom'>(key: Key = 'wecom' as Key): Promise<WeComBatchHealthResult<Key>> {
    const details = await this.details();
    const healthy =
      details.store === 'up' &&
      (details.token?.state === 'cached' || details.token?.state === 'obtained') &&
      (details.overdueJobs ?? 0) === 0;
    const session = this.indicators?.check(key);
    if (session) {
      return (healthy ? session.up(details) : session.down(details)) as WeComBatchHealthResult<Key>;
    }
    return { [key]: { ...details, status: healthy ? 'up' : 'down' } } as WeComBatchHealthResult<Key>;
  }

  private async details(): Promise<WeComBatchHealthDetails> {
    const { corpId, polling, callback } = this.options;
    const details: WeComBatchHealthDetails = { corpId, store: 'up' };
    try {
      const pending = await this.store.listPendingJobs(corpId);
      const now = Date.now();
      const oldest = pending.reduce((min, job) => Math.min(min, job.submittedAt), now);
      details.pendingJobs = pending.length;
      details.overdueJobs = pending.filter((job) => now - job.submittedAt > polling.timeoutMs).length;
      details.oldestPendingAgeSeconds = Math.floor((now - oldest) / 1000);
      details.token = await this.probe.check();
    } catch (error) {
      details.store = 'down';
      details.storeError = describeErrorKind(error);
    }
    if (callback) {
      details.callbacks = {
        lastCallbackAgeSeconds:
          this.lastCallbackAt === undefined ? null : Math.floor((Date.now() - this.lastCallbackAt) / 1000),
        completedByPollSinceLastCallback: this.pollCompletions,
      };
    }
    return details;
  }
}
