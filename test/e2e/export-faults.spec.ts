import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import {
  WeComDetailReadRestrictedError,
  WeComExportFailedError,
  WeComExportFileError,
  WeComInvalidRequestError,
  type ExportRow,
} from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS } from './helpers/app.js';
import {
  BLOCK,
  closeAll,
  collect,
  expectNoLeaks,
  keyOf,
  running,
  startApp,
  startSim,
  USERS,
} from './helpers/export-app.js';

// The export's failure paths end to end: 48009 and the ID lists that still work, bad input refused before any
// call, a tampered / truncated file, expired URLs, a download reset mid-way, a failed job (status 3).

afterEach(closeAll);
afterAll(expectNoLeaks);

describe.each(ADAPTERS)('export faults on %s', (adapter) => {
  it('48009: the exports fail with a message that says what still works; the ID lists do work', async () => {
    await startSim();
    const { batch } = await startApp(adapter, { callback: undefined });
    (running.sim as WeComSimulator).restrictDetailReads(true);
    const error = await batch.exportUsers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComDetailReadRestrictedError);
    expect((error as Error).message).toMatch(/2022-08-15/);
    expect((error as Error).message).toMatch(/listUserIds\(\)/);
    expect((error as Error).message).toMatch(/listDepartmentIds\(\)/);
    const ids: Array<{ userid: string; department: number }> = [];
    for await (const entry of batch.listUserIds()) ids.push(entry);
    // One entry per (member, department).
    expect(ids).toHaveLength(USERS.reduce((n, u) => n + u.departments.length, 0));
    expect(ids).toEqual(expect.arrayContaining([{ userid: 'member00', department: 4 }]));
    const tree = await batch.listDepartmentIds();
    expect(tree).toEqual(expect.arrayContaining([{ id: 4, parentId: 2, order: 10 }]));
  });

  it('refuses a bad block size or tag id before any call', async () => {
    await startSim();
    const { batch } = await startApp(adapter, { callback: undefined });
    const before = (running.sim as WeComSimulator).requests().length;
    await expect(batch.exportUsers({ blockSize: 9_999 })).rejects.toThrow(WeComInvalidRequestError);
    await expect(batch.exportUsers({ blockSize: 1_000_001 })).rejects.toThrow(/blockSize/);
    await expect(batch.exportTagUsers(0)).rejects.toThrow(/tagId/);
    await expect(batch.exportTagUsers(1.5)).rejects.toThrow(WeComInvalidRequestError);
    expect((running.sim as WeComSimulator).requests().length).toBe(before);
  });

  it('a tampered or truncated file: a typed error naming the file, no row of it', async () => {
    await startSim();
    const { batch, store } = await startApp(adapter, { callback: undefined });
    const job = await batch.exportUsers();
    await keyOf(store, job.jobId);
    await job.wait();
    (running.sim as WeComSimulator).corruptNextExportFile();
    const tampered = await collect(job.rows());
    expect(tampered.rows).toEqual([]);
    expect(tampered.error).toBeInstanceOf(WeComExportFileError);
    expect(tampered.error).toMatchObject({ problem: 'md5', fileIndex: 0, fileCount: 3, jobId: job.jobId });
    expect((tampered.error as Error).message).not.toMatch(/https?:\/\//);

    // The second file cut short: the first file's rows, none of the second's.
    const reading = job.rows();
    const rows: ExportRow[] = [];
    for (let i = 0; i < BLOCK; i++) rows.push((await reading.next()).value as ExportRow);
    (running.sim as WeComSimulator).truncateNextExportFile();
    const rest = await collect({ [Symbol.asyncIterator]: () => reading });
    expect(rest.rows).toEqual([]);
    expect(rest.error).toMatchObject({ problem: 'size', fileIndex: 1 });
  });

  it('expired URLs are replaced by asking get_result again; a download reset mid-way is resumed', async () => {
    await startSim();
    const { batch, store } = await startApp(adapter, { callback: undefined });
    const job = await batch.exportSimpleUsers();
    await keyOf(store, job.jobId);
    await job.wait();
    const expected = USERS.map((u) => u.userid);
    // The URLs of this read are handed out when it starts: expire them after the first file.
    const reading = job.rows();
    const ids: string[] = [];
    for (let i = 0; i < BLOCK; i++) ids.push(((await reading.next()).value as { userid: string }).userid);
    const before = (running.sim as WeComSimulator).requests('export/get_result').length;
    (running.sim as WeComSimulator).expireExportUrls();
    for await (const row of { [Symbol.asyncIterator]: () => reading }) ids.push(row.userid);
    expect(ids).toEqual(expected);
    // One more get_result for fresh URLs, and a refused (403) download before it.
    expect((running.sim as WeComSimulator).requests('export/get_result').length).toBe(before + 1);
    expect((running.sim as WeComSimulator).requests('export-file').some((r) => r.status === 403)).toBe(true);

    (running.sim as WeComSimulator).resetNextDownload(1, 100);
    expect((await job.toArray()).map((m) => m.userid)).toEqual(expected);
    const downloads = (running.sim as WeComSimulator).rawRequests('export-file');
    expect(downloads.some((r) => /^bytes=100-$/.test(String(r.headers.range)))).toBe(true);
  });

  it('a failed export (status 3): wait() and rows() reject with WeComExportFailedError, one failed event', async () => {
    await startSim();
    const { batch, events, store } = await startApp(adapter, { callback: undefined });
    (running.sim as WeComSimulator).failNextExport();
    const job = await batch.exportUsers();
    await keyOf(store, job.jobId);
    await expect(job.wait()).rejects.toThrow(WeComExportFailedError);
    await expect(job.toArray()).rejects.toMatchObject({ jobId: job.jobId, jobType: 'export_user', errCode: -1 });
    expect(events.completed.map((e) => [e.jobType, e.errCode, e.source])).toEqual([['export_user', -1, 'poll']]);
    expect(events.failed).toHaveLength(1);
  });
});
