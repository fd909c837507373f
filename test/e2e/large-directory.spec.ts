import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  WECOM_BATCH_EVENTS,
  WeComFileTooLargeError,
  WeComSyncRunError,
  type BatchJobSubmittedEvent,
  type BatchRunCompletedEvent,
  type BatchUserResultRow,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import type { AdapterName } from './helpers/app.js';
import { CORP, members, startBatchApp, startSimulator, type BatchApp } from './helpers/batch-app.js';

// Syncs over WeCom's media limit run as several sync_user jobs; replaces over it are refused before any upload.
// `mediaLimitBytes` is set small (64 KiB) so a few thousand members make a multi-part run in seconds.

const LIMIT = 64 * 1024;
const HEADER = '姓名,帐号,手机号,邮箱,所在部门,职位\n';

let sim: WeComSimulator;
let running: BatchApp | undefined;

beforeAll(async () => {
  sim = await startSimulator({ jobDelayMs: 10 });
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  sim.clearFaults();
});

afterAll(async () => {
  await sim.close();
});

async function start(adapter: AdapterName): Promise<BatchApp> {
  running = await startBatchApp(sim, adapter, false, { mediaLimitBytes: LIMIT });
  return running;
}

/** Members whose mobiles no earlier test used (WeCom refuses a mobile taken by another member: 60104). */
let batchNo = 30;
function fresh(count: number, prefix: string): ReturnType<typeof members> {
  const seed = batchNo++;
  return members(count, prefix).map((m, i) => ({ ...m, mobile: `1${seed}${String(i).padStart(8, '0')}` }));
}

function runEvents(app: BatchApp): BatchRunCompletedEvent[] {
  const seen: BatchRunCompletedEvent[] = [];
  app.app.get(EventEmitter2).on(WECOM_BATCH_EVENTS.RUN_COMPLETED, (event: BatchRunCompletedEvent) => seen.push(event));
  return seen;
}

describe.each(['express', 'fastify'] as const)('large directories (%s)', (adapter) => {
  it('a sync over the limit runs as sequential jobs, files within the limit, every member applied once', async () => {
    const app = await start(adapter);
    const runs = runEvents(app);
    const rows = fresh(3_000, `big${adapter}`);
    const uploadsBefore = sim.uploads(CORP.corpId).length;
    const jobsBefore = sim.jobs(CORP.corpId).length;

    const job = await app.batch.syncUsers({ users: rows }, { toInvite: false });
    const done = await job.wait({ timeoutMs: 60_000 });

    const uploads = sim.uploads(CORP.corpId).slice(uploadsBefore);
    const jobs = sim.jobs(CORP.corpId).slice(jobsBefore);
    expect(jobs.length).toBeGreaterThanOrEqual(2);
    expect(uploads).toHaveLength(jobs.length);
    expect(job.parts).toHaveLength(jobs.length);
    for (const upload of uploads) {
      expect(upload.bytes.length).toBeLessThanOrEqual(LIMIT);
      expect(upload.bytes.toString('utf8').startsWith(HEADER)).toBe(true);
    }
    // One import at a time: each part was submitted after the previous one finished.
    for (let i = 1; i < jobs.length; i++) expect(jobs[i].submittedAt).toBeGreaterThanOrEqual(jobs[i - 1].finishedAt!);
    expect(jobs.map((j) => j.mediaId)).toEqual(job.parts.map((p) => p.mediaId));
    // The parts cover the input exactly, in order, each member in one part.
    const fileIds = uploads.flatMap((u) =>
      u.bytes
        .toString('utf8')
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(',')[1]),
    );
    expect(fileIds).toEqual(rows.map((r) => r.userid));
    expect(job.parts.map((p) => [p.firstRow, p.endRow])).toEqual(
      job.parts.map((_, i) => [
        i === 0 ? 0 : job.parts[i - 1].endRow,
        i === job.parts.length - 1 ? 3_000 : job.parts[i + 1].firstRow,
      ]),
    );
    const names = new Map(sim.directory(CORP.corpId).users.map((u) => [u.userid, u.name]));
    for (const row of rows) expect(names.get(row.userid)).toBe(row.name);

    // wait() stands for the run: every part's rows.
    expect(done).toMatchObject({ jobId: job.jobId, jobType: 'sync_user', errCode: 0, failedRows: 0, totalRows: 3_000 });
    const read: string[] = [];
    for await (const row of done.rows()) read.push((row as BatchUserResultRow).userid);
    expect(read).toEqual(rows.map((r) => r.userid));
    expect(done.result).toHaveLength(3_000);

    // Events: submitted / completed per WeCom job, one run event.
    const ids = new Set(jobs.map((j) => j.jobId));
    expect(app.events.submitted.filter((e) => ids.has(e.jobId))).toHaveLength(jobs.length);
    expect(app.events.completed.filter((e) => ids.has(e.jobId))).toHaveLength(jobs.length);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: job.jobId, totalRows: 3_000, failedRows: 0, error: undefined });
    expect(runs[0].completed.map((e) => e.jobId)).toEqual(jobs.map((j) => j.jobId));
  });

  it('watch() reports progress over the whole run, ending with the run payload', async () => {
    const app = await start(adapter);
    const job = await app.batch.syncUsers({ users: fresh(2_000, `w${adapter}`) }, { toInvite: false });
    const reports: Array<{ percentage: number; status: number; jobId: string }> = [];
    await new Promise<void>((resolve, reject) =>
      job.watch().subscribe({ next: (r) => reports.push(r), error: reject, complete: resolve }),
    );
    const last = reports[reports.length - 1] as (typeof reports)[number] & { completed?: { totalRows?: number } };
    expect(last).toMatchObject({ status: 3, percentage: 100, jobId: job.jobId });
    expect(last.completed?.totalRows).toBe(2_000);
    const percentages = reports.map((r) => r.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
  });

  it('a failure in the second part stops the run and says exactly which rows were applied', async () => {
    const app = await start(adapter);
    const runs = runEvents(app);
    const rows = fresh(3_000, `fail${adapter}`);
    const emitter = app.app.get(EventEmitter2);
    // The part after the first one fails as a whole (WeCom's job-level ErrCode).
    const arm = (event: BatchJobSubmittedEvent): void => {
      emitter.off(WECOM_BATCH_EVENTS.JOB_SUBMITTED, arm);
      if (event.corpId === CORP.corpId) sim.failNextJob(302005);
    };
    emitter.on(WECOM_BATCH_EVENTS.JOB_SUBMITTED, arm);

    const job = await app.batch.syncUsers({ users: rows }, { toInvite: false });
    const error = await job.wait({ timeoutMs: 60_000 }).then(
      (done) => done,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeComSyncRunError);
    const runError = error as WeComSyncRunError;
    const [first, second, ...rest] = job.parts;
    expect(runError.applied).toEqual([{ ...first }]);
    expect(runError.failed).toMatchObject({
      index: 1,
      firstRow: second.firstRow,
      endRow: second.endRow,
      mediaId: second.mediaId,
    });
    expect(runError.notApplied.map((p) => p.mediaId)).toEqual(rest.map((p) => p.mediaId));
    expect(runError.message).toContain(`rows 0–${first.endRow - 1} applied`);
    expect(runError.message).toContain('syncUsers({ mediaId })');
    // Exactly the first part is in the directory.
    const users = new Set(sim.directory(CORP.corpId).users.map((u) => u.userid));
    expect(rows.filter((r) => users.has(r.userid)).map((r) => r.userid)).toEqual(
      rows.slice(0, first.endRow).map((r) => r.userid),
    );
    expect(runs).toHaveLength(1);
    expect(runs[0].error).toBe(runError);
    // The remaining parts can be resubmitted from their media ids.
    for (const part of [second, ...rest]) {
      await (await app.batch.syncUsers({ mediaId: part.mediaId })).wait({ timeoutMs: 30_000 });
    }
    const after = new Set(sim.directory(CORP.corpId).users.map((u) => u.userid));
    expect(rows.every((r) => after.has(r.userid))).toBe(true);
  });

  it('a replace over the limit throws WeComFileTooLargeError with nothing uploaded', async () => {
    const app = await start(adapter);
    const before = sim.uploads(CORP.corpId).length;
    const rows = fresh(3_000, `rep${adapter}`);
    for (const call of [
      () => app.batch.replaceUsers({ users: rows }),
      () => app.batch.replaceUsers({ csv: HEADER + rows.map((r) => `${r.name},${r.userid},,,2,\n`).join('') }),
      () =>
        app.batch.replaceDepartments({
          departments: Array.from({ length: 4_000 }, (_, i) => ({ id: 10 + i, name: `部门${i}`, parentId: 1 })),
        }),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WeComFileTooLargeError);
      expect((error as WeComFileTooLargeError).limitBytes).toBe(LIMIT);
      expect((error as WeComFileTooLargeError).bytes).toBeGreaterThan(LIMIT);
      expect((error as Error).message).toContain('mirrorDirectory');
    }
    expect(sim.uploads(CORP.corpId)).toHaveLength(before);
  });
});
