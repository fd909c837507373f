import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { lastValueFrom, toArray } from 'rxjs';
import {
  WeComApiError,
  WeComInvalidRequestError,
  WeComRowValidationError,
  WeComSubmissionUncertainError,
  type BatchUserResultRow,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS } from './helpers/app.js';
import { CORP, members, startBatchApp, startSimulator, type BatchApp } from './helpers/batch-app.js';
import { CapturingLogger } from './helpers/capturing-logger.js';

// BatchService end to end against the simulator: typed rows → CSV → upload → job → callback/polling →
// rows persisted → events. Every log line of every app in this file is kept and checked for secrets at the end.
const logger = new CapturingLogger();
const errors: unknown[] = [];

let sim: WeComSimulator;
let running: BatchApp | undefined;

async function start(adapter: (typeof ADAPTERS)[number], overrides = {}): Promise<BatchApp> {
  running = await startBatchApp(sim, adapter, logger, overrides);
  return running;
}

/** Runs `fn`, keeping what it throws for the secrets check. */
async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    errors.push(error);
    return error;
  }
  throw new Error('expected an error');
}

beforeEach(async () => {
  sim = await startSimulator();
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  await sim.close();
});

describe.each(ADAPTERS)('BatchService on %s', (adapter) => {
  it('syncs 10,000 members: one completed event with 10,000 row results, and the directory matches', async () => {
    const { batch, events } = await start(adapter);
    const users = members(10_000);
    const job = await batch.syncUsers({ users });
    expect(job).toMatchObject({ corpId: CORP.corpId, jobType: 'sync_user', rows: 10_000 });
    const done = await job.wait({ timeoutMs: 30_000 });
    expect(done).toMatchObject({
      jobId: job.jobId,
      jobType: 'sync_user',
      errCode: 0,
      source: 'callback',
      failedRows: 0,
    });
    expect(done.result).toHaveLength(10_000);
    expect((done.result as BatchUserResultRow[]).map((r) => r.userid).sort()).toEqual(
      users.map((u) => u.userid).sort(),
    );
    expect(events.submitted.map((e) => e.jobId)).toEqual([job.jobId]);
    expect(events.completed.map((e) => e.jobId)).toEqual([job.jobId]);
    expect(events.failed).toHaveLength(0);

    const directory = new Map(sim.directory(CORP.corpId).users.map((u) => [u.userid, u]));
    expect(directory.size).toBe(10_001); // + the creator
    for (const user of [users[0], users[4_321], users[9_999]]) {
      expect(directory.get(user.userid)).toMatchObject({
        name: user.name,
        mobile: user.mobile,
        email: user.email,
        departments: user.departments,
      });
    }
    expect(sim.deliveries(job.jobId).filter((d) => d.status === 200)).toHaveLength(1);
  });

  it('replaceUsers deletes the members missing from the file; a mass deletion trips WeCom’s 45026 guard', async () => {
    const { batch, events } = await start(adapter);
    const users = members(60);
    await (await batch.syncUsers({ users })).wait();

    const keep = [{ userid: 'boss', name: '老板', mobile: '13800000000', departments: [1] }, ...users.slice(5)];
    const replaced = await (await batch.replaceUsers({ users: keep })).wait();
    expect(replaced).toMatchObject({ jobType: 'replace_user', errCode: 0, failedRows: 0 });
    expect(
      sim
        .directory(CORP.corpId)
        .users.map((u) => u.userid)
        .sort(),
    ).toEqual(keep.map((u) => u.userid).sort());

    // 55 members left; keeping only 2 deletes 53 (> 50 and > 20 %): WeCom refuses the whole job.
    const guarded = await batch.replaceUsers({ users: keep.slice(0, 2) });
    const outcome = await guarded.wait();
    expect(outcome.errCode).toBe(45026);
    expect(events.failed.map((e) => e.jobId)).toContain(guarded.jobId);
    expect(sim.directory(CORP.corpId).users).toHaveLength(56);
  });

  it('replaceDepartments makes the tree match, with decoded actions per row', async () => {
    const { batch } = await start(adapter);
    const departments = [
      { id: 1, name: '测试企业', parentId: 0 },
      { id: 2, name: '研发中心', parentId: 1, order: 100 },
      { id: 3, name: '市场部', parentId: 2 },
      { id: 4, name: '前端组', parentId: 2 },
      { id: 5, name: '后台组', parentId: 2 },
    ];
    const done = await (await batch.replaceDepartments({ departments })).wait();
    expect(done).toMatchObject({ jobType: 'replace_party', errCode: 0, failedRows: 0 });
    const tree = sim.directory(CORP.corpId).departments.map(({ id, name, parentId }) => ({ id, name, parentId }));
    expect(tree.sort((a, b) => a.id - b.id)).toEqual(
      departments.map(({ id, name, parentId }) => ({ id, name, parentId })),
    );
    const rows = new Map((done.result ?? []).map((r) => ['partyid' in r ? r.partyid : -1, r]));
    expect(rows.get(4)).toMatchObject({ actions: { created: true } });
    expect(rows.get(2)).toMatchObject({ actions: { renamed: true, reordered: true } });
    expect(rows.get(3)).toMatchObject({ actions: { moved: true } });
  });

  it('a dropped callback still completes by polling; a duplicated one yields one event', async () => {
    const { batch, events } = await start(adapter);
    sim.dropNextCallback();
    const polled = await (await batch.syncUsers({ users: members(3, 'drop') })).wait();
    expect(polled.source).toBe('poll');

    sim.duplicateNextCallback(3);
    const job = await batch.syncUsers({ users: members(3, 'dup') });
    const done = await job.wait();
    expect(done.source).toBe('callback');
    await sim.settled();
    expect(sim.deliveries(job.jobId).filter((d) => d.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(events.completed.filter((e) => e.jobId === job.jobId)).toHaveLength(1);
  });

  it('two submissions at once run one after the other, without surfacing 302008', async () => {
    const { batch } = await start(adapter);
    const [first, second] = await Promise.all([
      batch.syncUsers({ users: members(50, 'first') }),
      batch.syncUsers({ users: members(50, 'second') }),
    ]);
    const [a, b] = await Promise.all([first.wait(), second.wait()]);
    expect([a.errCode, b.errCode]).toEqual([0, 0]);
    expect(sim.requests('batch/syncuser').filter((r) => r.errcode === 302008)).toHaveLength(0);
    // Either may win the queue (each uploads its file first); the later one starts after the earlier finished.
    const [earlier, later] = sim.jobs(CORP.corpId).sort((a, b) => a.submittedAt - b.submittedAt);
    expect([earlier.jobId, later.jobId].sort()).toEqual([first.jobId, second.jobId].sort());
    expect(later.submittedAt).toBeGreaterThanOrEqual(earlier.finishedAt ?? Infinity);
  });
});

describe('BatchService against a faulty WeCom', () => {
  it('invalid rows: one error listing every bad row and field, nothing uploaded', async () => {
    const { batch } = await start('express');
    const users = [
      { userid: 'ok-1', name: '好人', mobile: '13900000001', departments: [2] },
      { userid: '-bad id', name: '', mobile: '13900000002', departments: [2] },
      { userid: 'ok-2', name: '无联系方式', departments: [2] },
      { userid: 'OK-1', name: '重复', mobile: '13900000001', departments: [] },
    ];
    const error = await caught(() => batch.syncUsers({ users }));
    expect(error).toBeInstanceOf(WeComRowValidationError);
    const problems = (error as WeComRowValidationError).problems.map((p) => `${p.row}:${p.field}`);
    expect(problems).toEqual(
      expect.arrayContaining(['1:userid', '1:name', '2:mobile', '3:userid', '3:mobile', '3:departments']),
    );
    expect(sim.uploads(CORP.corpId)).toHaveLength(0);
  });

  it('-1 twice then success: one job', async () => {
    const { batch } = await start('express');
    sim.failNext('batch/syncuser', { errcode: -1, times: 2 });
    await (await batch.syncUsers({ users: members(2) })).wait();
    expect(sim.jobs(CORP.corpId)).toHaveLength(1);
  });

  it('42001 mid-flight: one token refresh and the call succeeds', async () => {
    const { batch } = await start('express');
    await batch.invite({ users: ['boss'] });
    expect(sim.tokenFetches(CORP.corpId)).toBe(1);
    sim.expireTokens(CORP.corpId);
    await (await batch.syncUsers({ users: members(2) })).wait();
    expect(sim.tokenFetches(CORP.corpId)).toBe(2);
  });

  it('45009: backs off, then succeeds', async () => {
    const { batch } = await start('express');
    sim.failNext('media/upload', { errcode: 45009, times: 1 });
    const started = Date.now();
    await (await batch.syncUsers({ users: members(2) })).wait();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(sim.uploads(CORP.corpId)).toHaveLength(1);
  });

  it('40001 (bad secret): a configuration error, and no second gettoken', async () => {
    const { batch } = await start('express', { corpSecret: 'WrongSecret-not-the-real-one' });
    const error = await caught(() => batch.syncUsers({ users: members(2) }));
    expect(error).toBeInstanceOf(WeComApiError);
    expect(error).toMatchObject({ errcode: 40001, kind: 'config', retryable: false });
    // One gettoken, refused; never a second one (repeated bad secrets get the server's IP banned).
    expect(sim.requests('gettoken')).toHaveLength(1);
    await expect(batch.syncUsers({ users: members(2) })).rejects.toMatchObject({ errcode: 40001 });
    expect(sim.requests('gettoken')).toHaveLength(1);
    expect(sim.tokenFetches(CORP.corpId)).toBe(0);
  });

  it('a submission whose answer is lost is reported as uncertain, never re-posted: one job', async () => {
    const { batch } = await start('express');
    sim.resetNext('batch/syncuser', { afterProcessing: true });
    const error = await caught(() => batch.syncUsers({ users: members(2) }));
    expect(error).toBeInstanceOf(WeComSubmissionUncertainError);
    await sim.settled();
    expect(sim.jobs(CORP.corpId)).toHaveLength(1);
    expect(sim.requests('batch/syncuser')).toHaveLength(1);
  });

  it('1,000 concurrent getResult on a cold token cache: exactly one gettoken', async () => {
    const { batch } = await start('express');
    const job = await batch.syncUsers({ users: members(2) });
    await job.wait();
    await running?.close();
    running = await startBatchApp(sim, 'express', logger);
    const before = sim.tokenFetches(CORP.corpId);
    const results = await Promise.all(Array.from({ length: 1_000 }, () => running!.batch.getResult(job.jobId)));
    expect(results.every((r) => r.status === 3)).toBe(true);
    expect(sim.tokenFetches(CORP.corpId) - before).toBe(1);
  });

  it('invite: limits checked locally, invalid ids reported', async () => {
    const { batch } = await start('express');
    expect(await caught(() => batch.invite({ users: Array.from({ length: 1001 }, (_, i) => `u${i}`) }))).toBeInstanceOf(
      WeComInvalidRequestError,
    );
    expect(await caught(() => batch.invite({}))).toBeInstanceOf(WeComInvalidRequestError);
    expect(await batch.invite({ users: ['boss', 'ghost'], parties: [2, 999] })).toEqual({
      invalidUsers: ['ghost'],
      invalidParties: [999],
      invalidTags: [],
    });
  });

  it('watchJob reports progress and ends with the completed payload', async () => {
    const { batch } = await start('express', { callback: undefined });
    const job = await batch.syncUsers({ users: members(20) });
    const reports = await lastValueFrom(job.watch().pipe(toArray()));
    expect(reports[reports.length - 1]).toMatchObject({
      status: 3,
      percentage: 100,
      completed: { jobId: job.jobId, source: 'poll' },
    });
  });
});

describe('shutdown', () => {
  it('app.close() stops every call to WeCom: nothing in flight is retried afterwards', async () => {
    const app = await start('express', { callback: undefined });
    const job = await app.batch.syncUsers({ users: members(5) });
    sim.delayNext('batch/getresult', 300, 10);
    sim.failNext('batch/getresult', { errcode: -1, times: 10 });
    const watching = job.watch().subscribe({ error: () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 100)); // a getresult is now in flight
    const started = Date.now();
    await app.close();
    running = undefined;
    watching.unsubscribe();
    expect(Date.now() - started).toBeLessThan(1_000);
    const before = sim.requests().length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sim.requests().length).toBe(before);
  });
});

describe('secrets', () => {
  it('no secret or access token appears in any log line or error of this suite', () => {
    const secrets = [CORP.corpSecret, CORP.callbackToken, CORP.encodingAESKey, 'WrongSecret-not-the-real-one'];
    const tokenInUrl = /access_token=(?!\*\*\*)[^&\s"']+/;
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.leaking(secrets)).toEqual([]);
    expect(logger.lines.filter((l) => tokenInUrl.test(l.text))).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(tokenInUrl);
    }
  });
});
