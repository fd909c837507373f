import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import { WECOM_BATCH_EVENTS } from '../../events/wecom-batch.events.js';
import type { BatchJobResult } from '../../model/batch-job.types.js';
import { MemoryStore } from '../../stores/memory.store.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import type { JobTracker } from './job-tracker.service.js';
import { createJobTracker } from './tracking.providers.js';
import type { JobResultFetcher } from './tracking.types.js';

const CORP = 'wwcorp0001';
const KEY = 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2';

/** export/get_result answers in turn (the last repeats); batch/getresult must never be asked for an export. */
class ExportFetcher implements JobResultFetcher {
  readonly exportCalls: string[] = [];
  constructor(private readonly statuses: Array<0 | 1 | 2 | 3>) {}
  getResult(jobId: string): Promise<BatchJobResult> {
    throw new Error(`batch/getresult asked for export job ${jobId}`);
  }
  async exportStatus(jobId: string): Promise<0 | 1 | 2 | 3> {
    this.exportCalls.push(jobId);
    return this.statuses.length > 1 ? (this.statuses.shift() as 0 | 1 | 2 | 3) : this.statuses[0];
  }
}

const open: JobTracker[] = [];
async function setup(fetcher: JobResultFetcher, withCallback = false) {
  const options = resolveWeComBatchOptions({
    corpId: CORP,
    corpSecret: 'secret',
    // With a callback configured the first poll waits callbackGraceMs (60 s): only the callback can complete it.
    ...(withCallback
      ? { callback: { url: 'http://127.0.0.1:1/cb', token: 'tok', encodingAESKey: 'a'.repeat(43) } }
      : {}),
    polling: { callbackGraceMs: 60_000, initialIntervalMs: 10, maxIntervalMs: 10, timeoutMs: 60_000 },
  });
  const emitter = new EventEmitter2();
  const events: BatchJobCompletedEvent[] = [];
  emitter.on(WECOM_BATCH_EVENTS.JOB_COMPLETED, (event: BatchJobCompletedEvent) => events.push(event));
  const store = new MemoryStore();
  const tracker = createJobTracker(options, store, emitter, fetcher);
  await tracker.onApplicationBootstrap();
  open.push(tracker);
  const submit = (jobId: string) =>
    tracker.registerSubmission({
      corpId: CORP,
      jobId,
      jobType: 'export_user',
      submittedAt: Date.now(),
      status: 'pending',
      export: { encodingAesKey: KEY, blockSize: 50_000 },
    });
  return { tracker, events, store, submit };
}

beforeAll(() => Logger.overrideLogger(false));
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.onModuleDestroy()));
});

describe('tracking export jobs', () => {
  it('polls export/get_result until status 2, then completes once: export job type, no result, key kept', async () => {
    const fetcher = new ExportFetcher([0, 1, 1, 2]);
    const { tracker, events, store, submit } = await setup(fetcher);
    await submit('exp-1');
    const done = await tracker.waitForJob('exp-1', 5_000);
    expect(done).toMatchObject({ jobId: 'exp-1', jobType: 'export_user', errCode: 0, source: 'poll', failedRows: 0 });
    expect(done.result).toBeUndefined();
    expect(fetcher.exportCalls.length).toBe(4);
    expect(events).toHaveLength(1);
    const record = await store.getJob(CORP, 'exp-1');
    expect(record).toMatchObject({ status: 'completed', export: { encodingAesKey: KEY } });
    // The event carries nothing of the key.
    expect(JSON.stringify(done)).not.toContain(KEY);
  });

  it('status 3 completes the export as failed (errCode -1, a message that says so)', async () => {
    const { tracker, events, submit } = await setup(new ExportFetcher([1, 3]));
    await submit('exp-2');
    await expect(tracker.waitForJob('exp-2', 5_000)).resolves.toMatchObject({
      errCode: -1,
      errMsg: expect.stringMatching(/status 3/),
    });
    expect(events).toHaveLength(1);
  });

  it('a console callback completes it at once, without asking export/get_result, once for every retry', async () => {
    const fetcher = new ExportFetcher([1]);
    const { tracker, events, submit } = await setup(fetcher, true);
    await submit('exp-3');
    const callback = {
      corpId: CORP,
      jobId: 'exp-3',
      jobType: 'export_user' as const,
      errCode: 0,
      errMsg: 'ok',
      createTime: 1,
    };
    await tracker.acceptCallback(callback);
    await tracker.acceptCallback(callback);
    await expect(tracker.waitForJob('exp-3', 5_000)).resolves.toMatchObject({
      source: 'callback',
      jobType: 'export_user',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toHaveLength(1);
    expect(fetcher.exportCalls).toEqual([]);
  });
});
