import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComImportBusyError } from '../../errors/wecom-import-busy.error.js';
import { WeComSubmissionUncertainError } from '../../errors/wecom-submission-uncertain.error.js';
import { MemoryStore } from '../../stores/memory.store.js';
import { type WeComBatchModuleOptions } from '../../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import type { BatchApi, BatchSubmitBody } from '../api/batch-api.service.js';
import { ImportSlotService } from './import-slot.service.js';
import { JobSubmitter } from './job-submitter.service.js';

const busy = (): WeComApiError =>
  new WeComApiError({ kind: 'api', endpoint: 'batch/syncuser', errcode: 302008, errmsg: 'busy', retryable: false });

/** A submitter over a fake batch API whose `submit` answers with `answers` in turn (an Error is thrown). */
function submitter(answers: Array<string | Error>, options: Partial<WeComBatchModuleOptions> = {}) {
  const resolved = resolveWeComBatchOptions({ corpId: 'wwcorp', corpSecret: 's', ...options });
  const store = new MemoryStore();
  const bodies: BatchSubmitBody[] = [];
  const api = {
    submit: async (_jobType: string, body: BatchSubmitBody): Promise<string> => {
      bodies.push(body);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) throw answer;
      return answer as string;
    },
  } as unknown as BatchApi;
  const slots = new ImportSlotService(resolved, store);
  return { submitter: new JobSubmitter(resolved, api, slots), bodies, slots, store };
}

beforeAll(() => Logger.overrideLogger(false));

describe('JobSubmitter', () => {
  describe('waiting out 302008', () => {
    beforeEach(() => void jest.useFakeTimers());
    afterEach(() => void jest.useRealTimers());

    it('resubmits after 302008 for longer than polling.timeoutMs', async () => {
      const s = submitter([busy(), busy(), 'job-1'], { polling: { timeoutMs: 1_000 } });
      const started = Date.now();
      let settledAt = 0;
      const submitted = s.submitter.submit('sync_user', 'media-1').finally(() => (settledAt = Date.now()));
      await jest.advanceTimersByTimeAsync(60_000);
      const { jobId, slot } = await submitted;
      expect(jobId).toBe('job-1');
      expect(s.bodies).toHaveLength(3);
      await slot.release();
      // Two waits (1–2 s, then 2–4 s) ran past polling.timeoutMs, which bounds following a job, not submitting it.
      expect(settledAt - started).toBeGreaterThan(1_000);
    });

    it('gives up with the 302008 error once importBusyTimeoutMs is spent, and frees the slot', async () => {
      const s = submitter([busy()], { importBusyTimeoutMs: 10_000 });
      const started = Date.now();
      let settledAt = 0;
      const submitted = s.submitter.submit('sync_user', 'media-1').finally(() => (settledAt = Date.now()));
      const outcome = submitted.catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(60 * 60_000);
      const error = await outcome;
      expect(error).toBeInstanceOf(WeComApiError);
      expect((error as WeComApiError).errcode).toBe(302008);
      // polling.timeoutMs is 2 h by default: the submission stopped within importBusyTimeoutMs instead.
      expect(settledAt - started).toBeLessThanOrEqual(10_000);
      expect(s.bodies.length).toBeGreaterThanOrEqual(2);
      expect(await s.store.acquireLock('import:wwcorp', 1_000)).not.toBeNull();
    });
  });

  it("fails at once with WeComImportBusyError on 302008 with importQueue: 'fail-fast'", async () => {
    const s = submitter([busy()], { importQueue: 'fail-fast' });
    const error = await s.submitter.submit('sync_user', 'media-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComImportBusyError);
    expect((error as WeComImportBusyError).cause).toBeInstanceOf(WeComApiError);
    expect(s.bodies).toHaveLength(1);
  });

  it('never re-sends a submission that may have reached WeCom, and frees the slot', async () => {
    const lost = new WeComApiError({
      kind: 'transport',
      endpoint: 'batch/syncuser',
      errmsg: 'socket hang up',
      retryable: false,
      maybeDelivered: true,
    });
    const s = submitter([lost]);
    await expect(s.submitter.submit('sync_user', 'media-1')).rejects.toBeInstanceOf(WeComSubmissionUncertainError);
    expect(s.bodies).toHaveLength(1);
    expect(await s.store.acquireLock('import:wwcorp', 1_000)).not.toBeNull();
  });

  it('sends the callback and to_invite, and no to_invite for departments', async () => {
    const callback = { url: 'https://app.example.com/wecom', token: 'tok', encodingAESKey: 'k'.repeat(43) };
    const s = submitter(['job-1'], { callback });
    await (await s.submitter.submit('replace_user', 'media-1', false)).slot.release();
    await (await s.submitter.submit('replace_party', 'media-2', false)).slot.release();
    const wireCallback = { url: callback.url, token: 'tok', encodingaeskey: callback.encodingAESKey };
    expect(s.bodies).toEqual([
      { media_id: 'media-1', to_invite: false, callback: wireCallback },
      { media_id: 'media-2', callback: wireCallback },
    ]);
  });

  it('holds the import slot until the caller releases it', async () => {
    const s = submitter(['job-1', 'job-2']);
    const first = await s.submitter.submit('sync_user', 'media-1');
    let secondDone = false;
    const second = s.submitter.submit('sync_user', 'media-2').then((job) => ((secondDone = true), job));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(secondDone).toBe(false);
    await first.slot.release();
    await (await second).slot.release();
    expect(s.bodies).toHaveLength(2);
  });
});
