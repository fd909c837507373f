import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { RedisStore, WITHHELD_MEMBER_FIELDS, type ExportedMember } from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { describeWithRedis, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { ADAPTERS } from './helpers/app.js';
import {
  closeAll,
  CORP,
  DEPARTMENTS,
  expectNoLeaks,
  keyOf,
  pads,
  running,
  startApp,
  startSim,
  until,
  USERS,
} from './helpers/export-app.js';
import { freePort } from './helpers/free-port.js';

// The async exports end to end against the simulator: submission with a fresh key, completion by the admin
// console's callback or by polling export/get_result, files downloaded, verified, decrypted and parsed; read on
// a second instance through a shared RedisStore. Faults: export-faults.spec.ts.

afterEach(closeAll);
afterAll(expectNoLeaks);

describe.each(ADAPTERS)('exports on %s', (adapter) => {
  it('the four exports of a seeded directory, several files each, completed by the console callback', async () => {
    const port = await freePort();
    await startSim({ console: port });
    const { batch, events, store } = await startApp(adapter, { port });

    const users = await batch.exportUsers();
    expect(users).toMatchObject({ corpId: CORP.corpId, jobType: 'export_user' });
    expect(users.submittedAt).toBeInstanceOf(Date);
    const members = await users.toArray();
    expect(members.map((m) => m.userid)).toEqual(USERS.map((u) => u.userid));
    expect(members[0]).toMatchObject({
      userid: 'member00',
      name: '王员工0',
      departments: [2, 4],
      isLeaderInDept: [false, true],
      mobile: '13900000000',
      email: 'member0@example.com',
      position: '经理',
      gender: 'male',
    });
    // Gender is unknown (absent) for odd members, and no field WeCom may withhold is ever ''.
    expect(Object.hasOwn(members[1], 'gender')).toBe(false);
    for (const member of members) {
      for (const field of WITHHELD_MEMBER_FIELDS) expect([field, member[field]]).not.toEqual([field, '']);
    }

    const simple = await (await batch.exportSimpleUsers()).toArray();
    expect(simple.map((m) => [m.userid, m.departments])).toEqual(USERS.map((u) => [u.userid, u.departments]));
    const departments = await (await batch.exportDepartments()).toArray();
    expect(departments).toEqual(DEPARTMENTS.map((d) => expect.objectContaining(d)));
    expect(departments.find((d) => d.id === 1)).toMatchObject({ parentId: 0 });
    const tag = await (await batch.exportTagUsers(7)).toArray();
    expect(tag).toEqual([
      { kind: 'user', tagName: '骨干', userid: 'member01', name: '李员工1' },
      { kind: 'user', tagName: '骨干', userid: 'member02', name: '张员工2' },
      { kind: 'user', tagName: '骨干', userid: 'member05', name: '杨员工5' },
      { kind: 'department', tagName: '骨干', departmentId: 4 },
    ]);

    // Several files per export, and among them a pad over 16 (which 16-byte unpadding refuses).
    const jobs = (running.sim as WeComSimulator).exportJobs(CORP.corpId);
    expect(jobs.map((j) => [j.type, j.files.length])).toEqual([
      ['export_user', 3],
      ['export_simple_user', 3],
      ['export_department', 1],
      ['export_taguser', 1],
    ]);
    const allPads: number[] = [];
    for (const job of jobs) allPads.push(...(await pads(job.jobId, await keyOf(store, job.jobId))));
    expect(Math.max(...allPads)).toBeGreaterThan(16);
    // Each key is fresh.
    expect(new Set(await Promise.all(jobs.map((j) => keyOf(store, j.jobId)))).size).toBe(4);

    // Completed by the console callback, one event per export, no result rows.
    await until(() => events.completed.length >= 4);
    expect(events.completed.map((e) => [e.jobType, e.source, e.errCode, e.result])).toEqual([
      ['export_user', 'callback', 0, undefined],
      ['export_simple_user', 'callback', 0, undefined],
      ['export_department', 'callback', 0, undefined],
      ['export_taguser', 'callback', 0, undefined],
    ]);
    // The records do not show the key anywhere but in `export`, and the event carries none of it.
    expect(JSON.stringify(events.completed)).not.toMatch(/[A-Za-z0-9]{43}/);
    expect(JSON.stringify(users)).not.toContain(await keyOf(store, users.jobId));
  });

  it('completes by polling export/get_result when no console callback is configured', async () => {
    await startSim();
    const { batch, events } = await startApp(adapter, { callback: undefined });
    const job = await batch.exportDepartments();
    const done = await job.wait();
    expect(done).toMatchObject({ jobId: job.jobId, jobType: 'export_department', source: 'poll', errCode: 0 });
    expect((await job.toArray()).length).toBe(DEPARTMENTS.length);
    const polls = (running.sim as WeComSimulator).requests('export/get_result');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((r) => r.method === 'GET')).toBe(true);
    expect(events.completed).toHaveLength(1);
  });

  describeWithRedis('two instances on one RedisStore', () => {
    let redis: RedisServerHandle;
    const stores: RedisStore[] = [];
    afterEach(async () => {
      for (const app of running.apps.splice(0)) await app.close();
      for (const store of stores.splice(0)) await store.close();
      await redis?.stop();
    });

    it('readExport on the second instance reads what the first submitted; one completed event in all', async () => {
      redis = await startRedisServer();
      const port = await freePort();
      await startSim({ console: port });
      const keyPrefix = `export-${adapter}-${Date.now()}:`;
      const one = await startApp(adapter, { port, store: track(new RedisStore(redis.url, { keyPrefix })) });
      const two = await startApp(adapter, { store: track(new RedisStore(redis.url, { keyPrefix })) });
      const job = await one.batch.exportUsers();
      await keyOf(one.store, job.jobId);
      // Read on the other instance, by job id only: the key comes from the shared store.
      const there = await two.batch.readExport(job.jobId).toArray();
      expect(there.map((m) => (m as ExportedMember).userid)).toEqual(USERS.map((u) => u.userid));
      expect(await (await two.batch.readExport(job.jobId)).toArray()).toEqual(await job.toArray());
      await until(() => one.events.completed.length + two.events.completed.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(one.events.completed.length + two.events.completed.length).toBe(1);
      // An unknown job id: a typed error, no call.
      await expect(two.batch.readExport('no-such-job').toArray()).rejects.toThrow(/no record/);
    });

    function track(store: RedisStore): RedisStore {
      stores.push(store);
      return store;
    }
  });
});
