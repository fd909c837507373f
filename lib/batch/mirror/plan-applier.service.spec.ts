import { describe, expect, it } from '@jest/globals';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComFileTooLargeError } from '../../errors/wecom-file-too-large.error.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { runBlocking } from '../rows/row-steps.util.js';
import type { DirectoryAccess, MirrorJobHandle } from './directory-access.types.js';
import { diffDirectory } from './directory-differ.util.js';
import { currentDirectory } from './mirror.spec-helper.js';
import { changedRows, PlanApplier } from './plan-applier.service.js';
import type { UserBatchDeleteApi } from './user-batch-delete.api.js';

type Call = { method: string; rows?: number; userids?: string[] };

/** A DirectoryAccess that records the calls and completes every job with `errCodes.shift() ?? 0`. */
function fakeAccess(options: { errCodes?: number[]; tooLarge?: boolean; departmentIds?: number[] } = {}) {
  const calls: Call[] = [];
  const job = (jobType: string): Promise<MirrorJobHandle> =>
    Promise.resolve({
      jobId: `job-${calls.length}`,
      jobType,
      wait: async () => ({ errCode: options.errCodes?.shift() ?? 0, failedRows: 0 }),
    } as unknown as MirrorJobHandle);
  const access = {
    corpId: 'wwcorp',
    replaceDepartments: (s: { departments: unknown[] }) => (
      calls.push({ method: 'replace_party', rows: s.departments.length }),
      job('replace_party')
    ),
    replaceUsers: (s: { users: unknown[] }) => {
      if (options.tooLarge) return Promise.reject(new WeComFileTooLargeError('replace_user', 30_000_000, 20_905_984));
      calls.push({ method: 'replace_user', rows: s.users.length });
      return job('replace_user');
    },
    syncUsers: (s: { users: unknown[] }) => (
      calls.push({ method: 'sync_user', rows: s.users.length }),
      job('sync_user')
    ),
    listDepartmentIds: async () => (options.departmentIds ?? [1]).map((id) => ({ id, parentId: 1, order: 0 })),
  } as unknown as DirectoryAccess;
  const deletes = {
    deleteChunk: async (userids: string[]) => void calls.push({ method: 'batchdelete', userids }),
  } as unknown as UserBatchDeleteApi;
  return { access, calls, applier: new PlanApplier(deletes) };
}

const member = (i: number): MemberRow => ({
  userid: `u${i}`,
  name: `n${i}`,
  mobile: `1380000${String(i).padStart(4, '0')}`,
  departments: [2],
});
const tree = [
  { id: 1, name: 'corp', parentId: 0 },
  { id: 2, name: 'a', parentId: 1 },
  { id: 3, name: 'b', parentId: 1 },
];

function planOf(currentCount: number, desired: MemberRow[], mediaLimitBytes = 20_000_000, departments = tree.slice(1)) {
  const current = currentDirectory(
    Array.from({ length: currentCount }, (_, i) => ({ ...member(i), departments: i === 0 ? [3] : [2] })),
    tree,
  );
  return runBlocking(diffDirectory({ corpId: 'wwcorp', current, users: desired, departments, mediaLimitBytes }));
}

describe('PlanApplier', () => {
  it('nothing deleted: syncs only the created and changed rows', async () => {
    const desired = Array.from({ length: 10 }, (_, i) => member(i));
    desired[4] = { ...desired[4], name: 'renamed' };
    desired.push(member(99));
    const plan = planOf(10, desired);
    expect(changedRows(plan).map((r) => r.userid)).toEqual(['u0', 'u4', 'u99']); // u0 moves 3 → 2
    const { access, calls, applier } = fakeAccess();
    const run = await applier.run(access, plan, {});
    expect(calls).toEqual([{ method: 'sync_user', rows: 3 }]);
    expect(run.applied).toBe(true);
  });

  it('deletions: one replace of every desired row; the tree again when a deleted department is still there', async () => {
    const plan = planOf(
      10,
      Array.from({ length: 9 }, (_, i) => member(i + 1)),
      undefined,
      [{ id: 2, name: 'a', parentId: 1 }],
    );
    expect(plan.departments!.deletes).toMatchObject([{ id: 3, blocked: false }]);
    const { access, calls, applier } = fakeAccess({ departmentIds: [1, 2, 3] });
    await applier.run(access, plan, {});
    expect(calls).toEqual([
      { method: 'replace_party', rows: 1 },
      { method: 'replace_user', rows: 9 },
      { method: 'replace_party', rows: 1 },
    ]);
  });

  it('a replace over the media limit falls back to batchdelete of exactly the deletions + sync, 200 per call', async () => {
    const plan = planOf(
      1000,
      Array.from({ length: 550 }, (_, i) => member(i + 450)),
      undefined,
      tree.slice(1),
    );
    const { access, calls, applier } = fakeAccess({ tooLarge: true });
    const run = await applier.run(access, { ...plan, strategy: { ...plan.strategy, members: 'replace_user' } }, {});
    const deleted = calls.filter((c) => c.method === 'batchdelete').map((c) => c.userids!);
    expect(deleted.map((d) => d.length)).toEqual([200, 200, 50]);
    expect(deleted.flat().sort()).toEqual(plan.members!.deletes.map((d) => d.userid).sort());
    expect(calls.some((c) => c.method === 'replace_user')).toBe(false);
    expect(run).toMatchObject({ applied: true, deletedByBatchDelete: 450 });
  });

  it('stops after a job that failed as a whole, and reports it', async () => {
    const plan = planOf(
      10,
      Array.from({ length: 9 }, (_, i) => member(i + 1)),
      undefined,
      [{ id: 2, name: 'renamed', parentId: 1 }],
    );
    const { access, calls, applier } = fakeAccess({ errCodes: [302005] });
    const run = await applier.run(access, plan, {});
    expect(calls.map((c) => c.method)).toEqual(['replace_party']);
    expect(run).toMatchObject({ applied: false, jobs: [{ jobType: 'replace_party', errCode: 302005 }] });
  });

  it('a refused batchdelete call stops the run, saying how many were deleted', async () => {
    const plan = planOf(
      500,
      Array.from({ length: 100 }, (_, i) => member(i)),
      10,
    );
    const { access, calls, applier } = fakeAccess();
    let n = 0;
    (applier as unknown as { deletes: UserBatchDeleteApi }).deletes.deleteChunk = async (
      userids: readonly string[],
    ) => {
      if (n++ === 1)
        throw new WeComApiError({
          kind: 'api',
          endpoint: 'user/batchdelete',
          errcode: 60111,
          errmsg: 'userid not found',
          retryable: false,
          attempts: 1,
        });
      calls.push({ method: 'batchdelete', userids: [...userids] });
    };
    const run = await applier.run(access, plan, {});
    expect(run.applied).toBe(false);
    expect(run.jobs).toMatchObject([{ jobType: 'batchdelete', errCode: 60111, deleted: 200, failedRows: 200 }]);
    expect(calls.some((c) => c.method === 'sync_user')).toBe(false);
  });
});
