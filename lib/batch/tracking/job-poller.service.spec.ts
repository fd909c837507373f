import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { firstValueFrom } from 'rxjs';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import { type WeComBatchModuleOptions } from '../../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import type { JobTracker } from './job-tracker.service.js';
import { createJobTracker } from './tracking.providers.js';
import type { JobResultFetcher } from './tracking.types.js';

const CORP = 'wwcorp0001';
const INTERVAL_MS = 25;

/** A getresult that says "running" until `finish()` is called, and remembers when it was called. */
class RunningFetcher implements JobResultFetcher {
  readonly callTimes: number[] = [];
  readonly signals: Array<AbortSignal | undefined> = [];
  private done = false;
  async getResult(jobId: string, signal?: AbortSignal): Promise<BatchJobResult> {
    this.callTimes.push(Date.now());
    this.signals.push(signal);
    return this.done
      ? { jobId, status: 3, type: 'sync_user', total: 10, percentage: 100, result: [] }
      : { jobId, status: 2, type: 'sync_user', total: 10, percentage: 40, result: [] };
  }
  finish(): void {
    this.done = true;
  }
}

const open: JobTracker[] = [];

async function tracker(fetcher: JobResultFetcher, overrides: Partial<WeComBatchModuleOptions> = {}) {
  const options = resolveWeComBatchOptions({
    corpId: CORP,
    corpSecret: 'secret',
    fetchResults: false,
    // A constant interval (initial = max), so "once per interval" is a count.
    polling: { callbackGraceMs: 10_000, initialIntervalMs: INTERVAL_MS, maxIntervalMs: INTERVAL_MS, timeoutMs: 60_000 },
    ...overrides,
  });
  const created = createJobTracker(options, new MemoryStore(), new EventEmitter2(), fetcher);
  await created.onApplicationBootstrap();
  open.push(created);
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => Logger.overrideLogger(false));

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.onModuleDestroy()));
});

describe('JobPoller: one poll schedule per job', () => {
  it('polls a job that is both watched (twice) and waited once per interval, not once per subscriber', async () => {
    const fetcher = new RunningFetcher();
    const jobs = await tracker(fetcher);
    const started = Date.now();
    const reports: number[] = [];
    const watches = [1, 2].map(() => jobs.watchJob('job-w').subscribe((r) => reports.push(r.percentage)));
    const waited = jobs.waitForJob('job-w');
    await sleep(12 * INTERVAL_MS);
    fetcher.finish();
    await expect(waited).resolves.toMatchObject({ jobId: 'job-w', source: 'poll' });
    const elapsed = Date.now() - started;
    watches.forEach((w) => w.unsubscribe());

    // One schedule: at most one call per interval elapsed (+ the immediate first poll and one of slack).
    expect(fetcher.callTimes.length).toBeLessThanOrEqual(Math.floor(elapsed / INTERVAL_MS) + 2);
    expect(fetcher.callTimes.length).toBeGreaterThanOrEqual(3);
    const gaps = fetcher.callTimes.slice(1).map((t, i) => t - fetcher.callTimes[i]);
    // Two loops would put two calls within a few ms of each other.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
    // Both watchers got the progress of the shared answers.
    expect(reports.filter((p) => p === 40).length).toBeGreaterThanOrEqual(2);
  });

  it('a watcher gets progress at once even while the schedule waits for the callback', async () => {
    const fetcher = new RunningFetcher();
    const jobs = await tracker(fetcher, {
      callback: { url: 'http://127.0.0.1:1/cb', token: 'tok', encodingAESKey: 'a'.repeat(43) },
    });
    jobs.track('job-g'); // first poll in callbackGraceMs (10 s)
    const first = await firstValueFrom(jobs.watchJob('job-g'));
    expect(first).toMatchObject({ jobId: 'job-g', status: 2, percentage: 40 });
    expect(fetcher.callTimes).toHaveLength(1);
  });

  it('aborts the getresult in flight at shutdown', async () => {
    let signal: AbortSignal | undefined;
    const hanging: JobResultFetcher = {
      getResult: (_jobId, s) => {
        signal = s;
        return new Promise((_, reject) => s?.addEventListener('abort', () => reject(s.reason)));
      },
    };
    const jobs = await tracker(hanging);
    jobs.track('job-h', { delayMs: 0 });
    await sleep(INTERVAL_MS);
    expect(signal?.aborted).toBe(false);
    await jobs.onModuleDestroy();
    expect(signal?.aborted).toBe(true);
  });
});
