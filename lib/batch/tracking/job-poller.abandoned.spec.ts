import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import { CompletionNotices } from './completion-notices.service.js';
import { JobCompleter } from './job-completer.service.js';
import { JobPoller, MAX_ABANDONED_MARKS } from './job-poller.service.js';
import { JobRecords } from './job-records.service.js';

const CORP = 'wwcorp0001';
const running = async (jobId: string): Promise<BatchJobResult> => ({
  jobId,
  status: 2,
  type: 'sync_user',
  total: 1,
  percentage: 50,
  result: [],
});

const pollers: JobPoller[] = [];

function poller(): JobPoller {
  // Every job times out at its first poll: it is abandoned at once.
  const options = resolveWeComBatchOptions({
    corpId: CORP,
    corpSecret: 'secret',
    fetchResults: false,
    polling: { callbackGraceMs: 0, initialIntervalMs: 1, maxIntervalMs: 1, timeoutMs: 1 },
  });
  const store = new MemoryStore();
  const records = new JobRecords(options, store);
  const fetcher = { getResult: running };
  const completer = new JobCompleter(
    options,
    store,
    new EventEmitter2(),
    fetcher,
    records,
    new CompletionNotices(options, store),
  );
  const created = new JobPoller(options, fetcher, records, completer);
  pollers.push(created);
  return created;
}

async function abandonAll(p: JobPoller, jobIds: string[]): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (const jobId of jobIds) p.track(jobId, { delayMs: 2 });
  await new Promise((resolve) => setTimeout(resolve, 50));
}

beforeAll(() => Logger.overrideLogger(false));
afterEach(() => pollers.splice(0).forEach((p) => p.close()));

describe('JobPoller: abandoned marks are bounded and cleared', () => {
  it('forgets the marks of jobs no longer pending, and of a job that is followed again', async () => {
    const p = poller();
    await abandonAll(p, ['a', 'b', 'c']);
    expect(['a', 'b', 'c'].map((id) => p.isAbandoned(id))).toEqual([true, true, true]);
    p.pruneAbandoned(new Set(['a', 'b']));
    expect(['a', 'b', 'c'].map((id) => p.isAbandoned(id))).toEqual([true, true, false]);
    p.track('a', { delayMs: 10_000 });
    expect(p.isAbandoned('a')).toBe(false);
    expect(p.abandonedCount).toBe(1);
  });

  it(`keeps at most ${MAX_ABANDONED_MARKS} marks, dropping the oldest`, async () => {
    const p = poller();
    const ids = Array.from({ length: MAX_ABANDONED_MARKS + 50 }, (_, i) => `j${i}`);
    await abandonAll(p, ids);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(p.abandonedCount).toBe(MAX_ABANDONED_MARKS);
    expect(p.isAbandoned('j0')).toBe(false);
    expect(p.isAbandoned(`j${MAX_ABANDONED_MARKS + 49}`)).toBe(true);
  });
});
