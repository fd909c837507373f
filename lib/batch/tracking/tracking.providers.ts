import type { Provider } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import type { ResolvedWeComBatchOptions } from '../../wecom-batch.options.js';
import { CompletionNotices } from './completion-notices.service.js';
import { JobCompleter } from './job-completer.service.js';
import { JobPoller } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';
import { JobTracker } from './job-tracker.service.js';
import { JobWaiter } from './job-waiter.service.js';
import { PendingSweeper } from './pending-sweeper.service.js';
import type { JobResultFetcher } from './tracking.types.js';

/**
 * Every provider of job tracking, for the module to spread into its providers. They need the resolved
 * options, the store, the emitter and the result fetcher tokens.
 */
export const TRACKING_PROVIDERS: Provider[] = [
  JobRecords,
  CompletionNotices,
  JobCompleter,
  JobPoller,
  JobWaiter,
  PendingSweeper,
  JobTracker,
];

/**
 * A `JobTracker` wired by hand, the same way the module wires {@link TRACKING_PROVIDERS}: for unit specs that
 * test tracking without a Nest application. Call its lifecycle hooks yourself.
 */
export function createJobTracker(
  options: ResolvedWeComBatchOptions,
  store: WeComBatchStore,
  emitter: EventEmitter2,
  fetcher: JobResultFetcher,
): JobTracker {
  const records = new JobRecords(options, store);
  const notices = new CompletionNotices(options, store);
  const completer = new JobCompleter(options, store, emitter, fetcher, records, notices);
  const poller = new JobPoller(options, fetcher, records, completer);
  const waiter = new JobWaiter(options, records, poller);
  const sweeper = new PendingSweeper(options, records, poller);
  return new JobTracker(records, poller, waiter, sweeper, notices, options);
}
