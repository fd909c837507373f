import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  renderDirectoryPlan,
  WECOM_BATCH_EVENTS,
  WeComMirrorGuardError,
  WeComMirrorStalePlanError,
  WeComRowValidationError,
  type DepartmentRow,
  type MemberRow,
  type MirrorAppliedEvent,
  type MirrorPlannedEvent,
} from 'nestjs-wecom-batch';
import { WeComSimulator, type SimulatedMember, type WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import { watchSimulator } from '../setup/secret-registry.js';
import { ADAPTERS } from './helpers/app.js';
import { CORP, startBatchApp, type BatchApp } from './helpers/batch-app.js';
import { CapturingLogger } from './helpers/capturing-logger.js';

// planDirectory / applyPlan / mirrorDirectory end to end against the simulator: the plan read from the export
// matches the seeded differences exactly, guards refuse before any upload, a passing mirror leaves the simulator's
// directory equal to the desired one with an empty drift.
const logger = new CapturingLogger();

const TREE: DepartmentRow[] = [
  { id: 2, name: '研发部', parentId: 1 },
  { id: 3, name: '前端组', parentId: 2 },
  { id: 4, name: '市场部', parentId: 1 },
  { id: 5, name: '旧部门', parentId: 1 },
];

/** `count` members over departments 2–4 (plus the creator, boss). */
function seeded(count: number): SimulatedMember[] {
  return [
    { userid: 'boss', name: '老板', mobile: '13800000000', departments: [1] },
    ...Array.from({ length: count }, (_, i) => ({
      userid: `m${String(i).padStart(3, '0')}`,
      name: `员工${i}`,
      mobile: `139${String(i).padStart(8, '0')}`,
      departments: [2 + (i % 3)],
      position: '工程师',
    })),
  ];
}

/** The seeded members as desired rows (what the HR system would send when nothing changed). */
function asRows(members: SimulatedMember[]): MemberRow[] {
  return members.map(({ userid, name, mobile, departments, position }) => ({
    userid,
    name,
    mobile,
    departments: [...departments],
    ...(position ? { position } : {}),
  }));
}

let sim: WeComSimulator;
let running: BatchApp | undefined;

async function startSim(count: number, withOldMember = true): Promise<void> {
  const users = seeded(count);
  if (withOldMember) users.push({ userid: 'oldtimer', name: '老员工', mobile: '13700000001', departments: [5] });
  const options: WeComSimulatorOptions = {
    corps: [
      {
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        creator: 'boss',
        departments: [{ id: 1, name: '测试企业', parentId: 0, order: 0 }, ...TREE.map((d) => ({ ...d, order: 0 }))],
        users,
      },
    ],
    jobDelayMs: 10,
    callbackTimeoutMs: 1_000,
    callbackRetryDelayMs: 50,
  };
  // Registered with the telemetry leak guard (test/setup): its members' data must not reach any span or metric.
  sim = watchSimulator(await WeComSimulator.start(options), options);
}

/** The HR changes: one joins, one leaves, one moves, one changes mobile; the tree is renamed, moved, pruned, grown. */
function hrChanges(count: number): { users: MemberRow[]; departments: DepartmentRow[] } {
  const users = asRows(seeded(count)).filter((u) => u.userid !== 'm001'); // m001 leaves
  users.find((u) => u.userid === 'm002')!.departments = [6]; // m002 moves to the new department
  users.find((u) => u.userid === 'm003')!.mobile = '13600000003'; // m003 changes mobile
  users.push({ userid: 'newbie', name: '新同事', mobile: '13500000001', departments: [3] }); // joins
  users.push({ userid: 'OldTimer', name: '老员工', mobile: '13700000001', departments: [4] }); // moves out of 5 (case!)
  const departments: DepartmentRow[] = [
    { id: 2, name: '研发中心', parentId: 1 }, // renamed
    { id: 3, name: '前端组', parentId: 4 }, // moved under 市场部
    { id: 4, name: '市场部', parentId: 1 },
    { id: 6, name: '新部门', parentId: 2 }, // created; 5 is deleted once oldtimer left it
  ];
  return { users, departments };
}

function uploadsAndJobs(): { uploads: number; jobs: number; deletes: number } {
  return { uploads: sim.uploads().length, jobs: sim.jobs().length, deletes: sim.requests('user/batchdelete').length };
}

afterEach(async () => {
  await running?.close();
  running = undefined;
  await sim?.close();
});

describe.each(ADAPTERS)('mirroring on %s', (adapter) => {
  async function start(overrides = {}): Promise<BatchApp> {
    running = await startBatchApp(sim, adapter, logger, overrides);
    return running;
  }

  describe('with a seeded directory', () => {
    beforeEach(() => startSim(30));

    it('plans exactly the seeded differences, field by field, and renders them for people', async () => {
      const { batch, app } = await start();
      const planned: MirrorPlannedEvent[] = [];
      app.get(EventEmitter2).on(WECOM_BATCH_EVENTS.MIRROR_PLANNED, (e: MirrorPlannedEvent) => planned.push(e));
      const plan = await batch.planDirectory(hrChanges(30));
      expect(plan.source).toBe('export');
      const m = plan.members!;
      expect(m.creates).toEqual([{ userid: 'newbie', name: '新同事', departments: [3] }]);
      expect(m.updates).toEqual([
        {
          userid: 'm003',
          name: '员工3',
          changes: [{ field: 'mobile', label: '手机号', from: '13900000003', to: '13600000003' }],
        },
      ]);
      expect(m.moves).toEqual([
        { userid: 'm002', name: '员工2', from: [4], to: [6] },
        { userid: 'oldtimer', name: '老员工', from: [5], to: [4] },
      ]);
      expect(m.deletes).toEqual([{ userid: 'm001', name: '员工1', departments: [3] }]);
      expect(m).toMatchObject({ unchanged: 28, current: 32, desired: 32 });
      const d = plan.departments!;
      expect(d.creates).toEqual([{ id: 6, name: '新部门', parentId: 2 }]);
      expect(d.updates).toEqual([
        { id: 2, name: '研发中心', changes: [{ field: 'name', label: '部门名称', from: '研发部', to: '研发中心' }] },
      ]);
      expect(d.moves).toEqual([{ id: 3, name: '前端组', from: 2, to: 4 }]);
      expect(d.deletes).toEqual([{ id: 5, name: '旧部门', parentId: 1, membersLeft: 0, blocked: false }]);
      expect(plan.deletionGuard).toMatchObject({ wouldTrigger: false, deletions: 1, headcount: 32 });
      expect(plan.strategy).toMatchObject({ departments: 'replace_party', members: 'replace_user' });
      expect(uploadsAndJobs()).toEqual({ uploads: 0, jobs: 0, deletes: 0 });

      const text = renderDirectoryPlan(plan);
      expect(text).toContain('成员 Members:     1 to create, 1 to update, 2 to move, 1 to delete, 28 unchanged');
      expect(text).toContain('mobile 手机号 139****0003 → 136****0003');
      expect(text).not.toContain('13600000003');
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
      // The event carries counts only.
      expect(planned).toHaveLength(1);
      expect(planned[0]).toMatchObject({ members: { creates: 1, updates: 1, moves: 2, deletes: 1, unchanged: 28 } });
      expect(JSON.stringify(planned)).not.toMatch(/员工|1390000|newbie|m00/);
    });

    it('applies the plan: the directory equals the desired state and the drift is empty', async () => {
      const { batch, app } = await start();
      const applied: MirrorAppliedEvent[] = [];
      app.get(EventEmitter2).on(WECOM_BATCH_EVENTS.MIRROR_APPLIED, (e: MirrorAppliedEvent) => applied.push(e));
      const desired = hrChanges(30);
      const result = await batch.mirrorDirectory(desired, { protectedUserIds: ['boss'] });
      expect(result.applied).toBe(true);
      // Department 5 goes once oldtimer left it (the simulator deletes emptied departments after the member
      // import, so no second replace_party is needed — the applier checks and runs one only if 5 is still there).
      expect(result.jobs.map((j) => j.jobType)).toEqual(['replace_party', 'replace_user']);
      expect(result.drift).toMatchObject({ empty: true });
      const now = sim.directory();
      expect(now.departments.map((d) => `${d.id}:${d.parentId}:${d.name}`)).toEqual([
        '1:0:测试企业',
        '2:1:研发中心',
        '3:4:前端组',
        '4:1:市场部',
        '6:2:新部门',
      ]);
      const byId = new Map(now.users.map((u) => [u.userid.toLowerCase(), u]));
      expect(byId.size).toBe(desired.users.length);
      for (const want of desired.users) {
        expect(byId.get(want.userid.toLowerCase())).toMatchObject({
          name: want.name,
          mobile: want.mobile,
          departments: want.departments,
        });
      }
      expect(applied).toHaveLength(1);
      expect(applied[0]).toMatchObject({ applied: true, drift: { empty: true } });
      expect(JSON.stringify(applied)).not.toMatch(/员工|1390000|newbie/);
    });

    it('refuses a plan that deletes a protected userid (ignoring case), before anything is uploaded', async () => {
      const { batch } = await start();
      const desired = hrChanges(30);
      desired.users = desired.users.filter((u) => u.userid !== 'boss');
      const error = await batch.mirrorDirectory(desired, { protectedUserIds: ['BOSS'] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeComMirrorGuardError);
      expect((error as WeComMirrorGuardError).violations).toMatchObject([
        { limit: 'protectedUserIds', userids: ['boss'] },
      ]);
      expect((error as Error).message).toContain('nothing was uploaded');
      expect(uploadsAndJobs()).toEqual({ uploads: 0, jobs: 0, deletes: 0 });
    });

    it('a dry run prints the plan and uploads nothing', async () => {
      const { batch } = await start();
      const before = sim.directory();
      const result = await batch.mirrorDirectory(hrChanges(30), { dryRun: true });
      expect(result).toMatchObject({ jobs: [], applied: false, refused: [] });
      expect(result.plan.members!.deletes).toHaveLength(1);
      expect(uploadsAndJobs()).toEqual({ uploads: 0, jobs: 0, deletes: 0 });
      expect(sim.directory()).toEqual(before);
    });

    it('refuses a plan when the directory changed between plan and apply', async () => {
      const { batch } = await start();
      const plan = await batch.planDirectory(hrChanges(30));
      // Someone adds a member by hand: a replace of the planned file would delete them without having shown it.
      await (
        await batch.syncUsers({ users: [{ userid: 'walkin', name: '临时', mobile: '13400000001', departments: [2] }] })
      ).wait();
      const before = uploadsAndJobs();
      const error = await batch.applyPlan(plan).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeComMirrorStalePlanError);
      expect((error as WeComMirrorStalePlanError).changed).toContain('memberIds');
      expect(uploadsAndJobs()).toEqual(before);
      expect(sim.directory().users.some((u) => u.userid === 'walkin')).toBe(true);
    });

    it('validates the desired rows as syncUsers does, before any call', async () => {
      const { batch } = await start();
      const error = await batch
        .planDirectory({ users: [{ userid: 'bad user', name: '', departments: [2] } as MemberRow] })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeComRowValidationError);
      const sync = await batch
        .syncUsers({ users: [{ userid: 'bad user', name: '', departments: [2] } as MemberRow] })
        .catch((e: unknown) => e);
      expect((error as WeComRowValidationError).problems).toEqual((sync as WeComRowValidationError).problems);
      expect(sim.requests('export/user')).toHaveLength(0);
    });

    it('after 48009 plans from the ID lists and says which comparisons it could not make', async () => {
      const { batch } = await start();
      sim.restrictDetailReads(true);
      const plan = await batch.planDirectory(hrChanges(30));
      expect(plan.source).toBe('id-lists');
      expect(plan.members!.creates.map((c) => c.userid)).toEqual(['newbie']);
      expect(plan.members!.deletes).toEqual([{ userid: 'm001', departments: [3] }]);
      expect(plan.members!.updates).toEqual([]); // the mobile change cannot be seen
      expect(plan.notCompared.map((n) => `${n.scope}.${n.field}`)).toEqual(
        expect.arrayContaining(['member.mobile', 'member.name', 'department.name']),
      );
    });
  });

  describe('with a larger directory', () => {
    beforeEach(() => startSim(300, false));

    it('refuses a mass deletion under the default limits, listing the deletions — nothing uploaded', async () => {
      const { batch } = await start();
      const users = asRows(seeded(300)).slice(0, 200); // a wrong HR filter: 101 of 301 members would go
      const error = await batch.mirrorDirectory({ users }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeComMirrorGuardError);
      const guard = error as WeComMirrorGuardError;
      expect(guard.violations.map((v) => v.limit)).toEqual(['maxDeletes', 'maxDeletePercent']);
      expect(guard.deletions).toHaveLength(101);
      expect(guard.message).toContain('pass { maxDeletes: 101 }');
      expect(uploadsAndJobs()).toEqual({ uploads: 0, jobs: 0, deletes: 0 });
    });

    it('when allowed, deletions WeCom’s 45026 guard would refuse go by user/batchdelete, never a replace', async () => {
      const { batch } = await start();
      const users = asRows(seeded(300)).slice(0, 200);
      const result = await batch.mirrorDirectory({ users }, { maxDeletes: 101, maxDeletePercent: 40 });
      expect(result.plan.deletionGuard).toMatchObject({ wouldTrigger: true, rule: 'over-50-and-20-percent' });
      expect(result.plan.strategy.members).toBe('sync_user+batchdelete');
      expect(result.jobs.map((j) => j.jobType)).toEqual(['batchdelete']);
      expect(sim.requests('user/batchdelete')).toHaveLength(1);
      expect(sim.jobs().filter((j) => j.type === 'replace_user')).toHaveLength(0);
      expect(result.drift).toMatchObject({ empty: true });
      expect(sim.directory().users).toHaveLength(200);
    });

    it('over the media limit: split syncUsers plus user/batchdelete of exactly the planned deletions', async () => {
      const { batch } = await start({ mediaLimitBytes: 4096 });
      const users = asRows(seeded(300)).filter((u) => u.userid !== 'm010' && u.userid !== 'm020');
      for (const u of users) if (u.userid.startsWith('m')) u.position = '高级工程师';
      const result = await batch.mirrorDirectory({ users });
      expect(result.plan.strategy.members).toBe('sync_user+batchdelete');
      expect(result.jobs[0]).toMatchObject({ jobType: 'batchdelete', deleted: 2 });
      expect(result.jobs.slice(1).every((j) => j.jobType === 'sync_user')).toBe(true);
      expect(sim.jobs().filter((j) => j.type === 'replace_user')).toHaveLength(0);
      expect(result.drift).toMatchObject({ empty: true });
      expect(sim.directory().users.filter((u) => u.position === '高级工程师')).toHaveLength(300 - 2);
    });
  });

  afterAll(() => {
    for (const { text } of logger.lines) {
      expect(text).not.toContain(CORP.corpSecret);
      expect(text).not.toMatch(/1390000\d{4}|13600000003/);
    }
  });
});
