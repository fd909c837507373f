import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WeComImportBusyError } from '../../errors/wecom-import-busy.error.js';
import { tryLease, waitForLease, type Lease, type LeaseOptions } from '../../internal/lease.util.js';
import { describeError } from '../../internal/safe-error.util.js';
import { STORE_KEYS } from '../../stores/store-keys.js';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';

/**
 * Lease of the cluster-wide import lock: renewed while held, so it only runs out when the holder dies (and a
 * crashed instance blocks the corp's imports for at most 30 s).
 */
const LEASE_MS = 30_000;
const RENEW_EVERY_MS = 10_000;
/** How often a waiting instance retries the lock another instance holds: 200 ms doubling to 2 s, jittered. */
const WAIT_RETRY = { baseMs: 200, maxMs: 2_000 };

/** The right to submit the corp's next import job. Release it when the job completes (or was not submitted). */
export interface ImportSlot {
  /** Frees the slot for the next submission, here and on other instances. Releasing twice is harmless. */
  release(): Promise<void>;
}

/**
 * The corp's import slot: WeCom runs one import job per corp at a time (302008 otherwise). Submissions wait
 * here, first in first out within this process and through a leased store lock
 * (`STORE_KEYS.importSlotLock`) across instances, until the previous job completed.
 */
@Injectable()
export class ImportSlotService implements OnModuleDestroy {
  private readonly logger = new Logger(ImportSlotService.name);
  /** Settles when the last submission queued in this process got and released the slot. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly held = new Set<ImportSlot>();

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
  ) {}

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
    const done = (): void => {
      this.waiting--;
      passOn();
    };
    try {
      await previous;
      return this.slot(await this.takeLease(failFast), done);
    } catch (error) {
      // A failed acquisition must not block the submissions queued behind it.
      done();
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

  private async takeLease(failFast: boolean): Promise<Lease> {
    const name = STORE_KEYS.importSlotLock(this.options.corpId);
    const options: LeaseOptions = {
      ttlMs: LEASE_MS,
      renewEveryMs: RENEW_EVERY_MS,
      onLost: (error) =>
        this.logger.warn(
          error === undefined
            ? `lost the import lock of corp ${this.options.corpId}; WeCom's 302008 still guards it`
            : `cannot renew the import lock: ${describeError(error)}`,
        ),
    };
    const lease = failFast
      ? await tryLease(this.store, name, options)
      : await waitForLease(this.store, name, { ...options, retry: WAIT_RETRY });
    if (lease === null) throw new WeComImportBusyError(this.options.corpId);
    return lease;
  }

  private slot(lease: Lease, done: () => void): ImportSlot {
    let released = false;
    const slot: ImportSlot = {
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(slot);
        if (!(await lease.release()) && !lease.lost) {
          this.logger.warn('cannot release the import lock (it expires by itself)');
        }
        // After the store lock is free, so the next submission here does not find it still held.
        done();
      },
    };
    this.held.add(slot);
    return slot;
  }
}
