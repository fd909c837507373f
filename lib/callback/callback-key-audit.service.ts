import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobRecords } from '../batch/tracking/job-records.service.js';
import { describeError } from '../internal/safe-error.util.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { callbackKeyPairs, keyPairFingerprint } from './callback-verifier.service.js';

/**
 * At bootstrap, compares the key pairs the route verifies with against the pairs the pending jobs were submitted
 * with (their records' `callbackKeyFingerprint`) — the check that makes a key rotation safe to finish:
 * - a pending job submitted with a pair that is neither current nor accepted: its callback will be refused (401),
 *   it completes by polling only → a warning saying which fingerprint to put back into `callback.acceptedKeys`;
 * - an accepted pair no pending job was submitted with → a log line saying it may be removed (unless it is the
 *   console's 通讯录同步 pair, which signs export completions).
 * Fingerprints only, never a key. Never fails the bootstrap: a store error is logged.
 */
@Injectable()
export class CallbackKeyAudit implements OnApplicationBootstrap {
  private readonly logger = new Logger('WeComCallbackKeys');

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(JobRecords) private readonly records: JobRecords,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const known = callbackKeyPairs(this.options).map(keyPairFingerprint);
    if (known.length === 0) return;
    let pending;
    try {
      pending = await this.records.listPending();
    } catch (error) {
      this.logger.warn(`cannot check the key pairs of pending jobs: ${describeError(error)}`);
      return;
    }
    const byPair = new Map<string, number>();
    for (const record of pending) {
      const fp = record.callbackKeyFingerprint;
      if (fp) byPair.set(fp, (byPair.get(fp) ?? 0) + 1);
    }
    for (const [fp, count] of byPair) {
      if (known.includes(fp)) continue;
      this.logger.warn(
        `${count} pending job(s) were submitted with callback key ${fp}, which is neither the current pair nor in ` +
          'callback.acceptedKeys: WeCom signs their callbacks with it, so they will be refused (401) and these jobs ' +
          'complete by polling only. Put that pair back into callback.acceptedKeys until they complete.',
      );
    }
    known.slice(1).forEach((fp, i) => {
      if (!byPair.has(fp)) {
        this.logger.log(
          `no pending job was submitted with accepted pair #${i + 1} (key ${fp}): once WeCom's retries of earlier ` +
            'deliveries are over, it may be removed from callback.acceptedKeys — unless it is the console pair ' +
            '(通讯录同步), which signs export completions.',
        );
      }
    });
  }
}
