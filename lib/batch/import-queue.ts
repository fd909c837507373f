import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { WeComImportBusyError } from '../errors/wecom-import-busy.error.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';

/** Lease of the cluster-wide import lock; renewed while held, so it only runs out when the holder dies. */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
/** How often a waiting instance retries the lock another instance holds. */
const WAIT_STEP_MS = { min: 200, max: 2_000 };

/** The right to submit the corp's next import job. Release it when the job completes (or was not submitted). */
export interface ImportSlot {
  release(): Promise<void>;
}

/**
 * WeCom runs one import job per corp at a time (302008 otherwise). Submissions wait here, first in first out
 * within this process and through a leased store lock across instances, until the previous job completed.
 */
@Injectable()
export class ImportQueue implements OnModuleDestroy {
  private readonly logger = new Logger(ImportQueue.name);
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly held = new Set<ImportSlot>();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
  ) {}

  private get lockName(): string {
    return `import:${this.options.corpId}`;
  }

  /** True when this process holds the slot or has submissions waiting for it. */
  get busy(): boolean {
    return this.waiting > 0;
  }

  /**
   * Waits for the corp's import slot. With `importQueue: 'fail-fast'`, rejects at once with
   * `WeComImportBusyError` when another job holds it.
   */
  async acquire(): Promise<ImportSlot> {
    const failFast = this.options.importQueue === 'fail-fast';
    if (failFast && this.busy) throw new WeComImportBusyError(this.options.corpId);
    const previous = this.tail;
    let passOn!: () => void;
    this.tail = new Promise<void>((resolve) => (passOn = resolve));
    this.waiting++;
    try {
      await previous;
      const lease = await this.acquireLease(failFast);
      return this.slot(lease, () => {
        this.waiting--;
        passOn();
      });
    } catch (error) {
      this.waiting--;
      passOn();
      throw error;
    }
  }

  /**
   * Releases every slot this process holds (before the module closes the store at application shutdown), so
   * other instances need not wait for the lease to run out.
   */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.held].map((slot) => slot.release()));
  }

  private async acquireLease(failFast: boolean): Promise<string> {
    let step = WAIT_STEP_MS.min;
    for (;;) {
      const lease = await this.store.acquireLock(this.lockName, LEASE_MS);
      if (lease !== null) return lease;
      if (failFast) throw new WeComImportBusyError(this.options.corpId);
      await sleep(step * (0.5 + Math.random() / 2));
      step = Math.min(step * 2, WAIT_STEP_MS.max);
    }
  }

  private slot(lease: string, passOn: () => void): ImportSlot {
    const renew = setInterval(() => {
      this.store.extendLock(this.lockName, lease, LEASE_MS).then(
        (kept) => {
          if (!kept)
            this.logger.warn(`lost the import lock of corp ${this.options.corpId}; WeCom's 302008 still guards it`);
        },
        (error: unknown) => this.logger.warn(`cannot renew the import lock: ${String(error)}`),
      );
    }, RENEW_EVERY_MS);
    renew.unref();
    let released = false;
    const slot: ImportSlot = {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        this.held.delete(slot);
        await this.store.releaseLock(this.lockName, lease).catch((error: unknown) => {
          this.logger.warn(`cannot release the import lock (it expires by itself): ${String(error)}`);
        });
        // After the store lock is free, so the next submission here does not find it still held.
        passOn();
      },
    };
    this.held.add(slot);
    return slot;
  }
}
