import { DETAIL_READ_RESTRICTED_ERRCODE } from '../../client/wecom-errcodes.js';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import {
  fromExportedDepartment,
  fromExportedMember,
  type ComparableDepartment,
  type ComparableMember,
} from './comparable.util.js';
import { SliceClock } from '../rows/row-steps.util.js';
import type { CurrentDirectory } from './current-directory.types.js';
import type { DirectoryAccess } from './directory-access.types.js';
import { FingerprintBuilder } from './directory-fingerprint.util.js';
import type { DirectoryFingerprint } from './mirror-plan.types.js';

/**
 * Hands the event loop back every few milliseconds: an export's rows arrive as microtasks (one file parsed at a
 * time), so a loop over them would otherwise hold the loop for a whole file.
 */
class Pause {
  private readonly clock = new SliceClock();

  async maybe(): Promise<void> {
    if (!this.clock.due()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.clock.restart();
  }
}

/** True for WeCom's 48009 (detail reads refused from this IP), whichever class carries it. */
export function isDetailReadRestricted(error: unknown): boolean {
  return error instanceof WeComApiError && error.errcode === DETAIL_READ_RESTRICTED_ERRCODE;
}

/**
 * Reads WeCom's directory for a plan: `exportDepartments` + `exportUsers` (both jobs submitted at once, then read
 * file by file), or — when WeCom answers 48009 — `listDepartmentIds` + `listUserIds`, which give the tree and the
 * memberships without names or contact fields (the plan then says which comparisons that made impossible).
 * `withUsers: false` skips the members' details (a departments-only plan still needs their memberships: they are
 * read through the ID list).
 */
export async function readCurrentDirectory(
  access: DirectoryAccess,
  options: { withUsers: boolean; blockSize?: number },
): Promise<CurrentDirectory> {
  const readAt = new Date();
  const exportOptions = options.blockSize === undefined ? undefined : { blockSize: options.blockSize };
  try {
    const [departmentJob, userJob] = await Promise.all([
      access.exportDepartments(exportOptions),
      options.withUsers ? access.exportUsers(exportOptions) : undefined,
    ]);
    const fingerprint = new FingerprintBuilder();
    const departments = new Map<number, ComparableDepartment>();
    const pause = new Pause();
    for await (const row of departmentJob.rows()) {
      await pause.maybe();
      const department = fromExportedDepartment(row);
      if (!department) continue;
      departments.set(department.id, department);
      fingerprint.department(department.id, department.parentId);
    }
    const members = new Map<string, ComparableMember>();
    if (userJob) {
      for await (const row of userJob.rows()) {
        await pause.maybe();
        const member = fromExportedMember(row);
        if (!member) continue;
        const key = member.userid.toLowerCase();
        members.set(key, member);
        fingerprint.member(key, member.departments);
      }
    } else {
      await readMemberIds(access, members, fingerprint);
    }
    return { source: 'export', members, departments, fingerprint: fingerprint.build(), readAt };
  } catch (error) {
    if (!isDetailReadRestricted(error)) throw error;
  }
  return readByIds(access, readAt);
}

/** The ID lists only (after 48009): ids, memberships and the tree. */
async function readByIds(access: DirectoryAccess, readAt: Date): Promise<CurrentDirectory> {
  const fingerprint = new FingerprintBuilder();
  const departments = new Map<number, ComparableDepartment>();
  for (const entry of await access.listDepartmentIds()) {
    departments.set(entry.id, { id: entry.id, parentId: entry.parentId, order: entry.order });
    fingerprint.department(entry.id, entry.parentId);
  }
  const members = new Map<string, ComparableMember>();
  await readMemberIds(access, members, fingerprint);
  return { source: 'id-lists', members, departments, fingerprint: fingerprint.build(), readAt };
}

async function readMemberIds(
  access: DirectoryAccess,
  members: Map<string, ComparableMember>,
  fingerprint: FingerprintBuilder,
): Promise<void> {
  const pause = new Pause();
  for await (const { userid, department } of access.listUserIds()) {
    await pause.maybe();
    const key = userid.toLowerCase();
    let member = members.get(key);
    if (!member) {
      member = { userid, departments: [] };
      members.set(key, member);
      fingerprint.memberId(key);
    }
    if (!member.departments.includes(department)) {
      member.departments.push(department);
      fingerprint.membership(key, department);
    }
  }
}

/**
 * The cheap re-read before an apply: the ID lists (no export job, no file), digested like the plan's basis. Where
 * the ID lists are not available to this secret, the simple exports (ids, names, departments) give the same digest.
 */
export async function readFingerprint(access: DirectoryAccess): Promise<DirectoryFingerprint> {
  try {
    const fingerprint = new FingerprintBuilder();
    for (const entry of await access.listDepartmentIds()) fingerprint.department(entry.id, entry.parentId);
    await readMemberIds(access, new Map(), fingerprint);
    return fingerprint.build();
  } catch (error) {
    // Only a refusal of the ID lists themselves (another secret than 通讯录同步's: 48002, 60011…) falls back.
    const refused = error instanceof WeComApiError && (error.kind === 'api' || error.kind === 'config');
    if (!refused || isDetailReadRestricted(error)) throw error;
  }
  const fingerprint = new FingerprintBuilder();
  const [departmentJob, userJob] = await Promise.all([access.exportDepartments(), access.exportSimpleUsers()]);
  for await (const row of departmentJob.rows()) fingerprint.department(row.id, row.parentId);
  for await (const row of userJob.rows()) fingerprint.member(row.userid.toLowerCase(), row.departments);
  return fingerprint.build();
}
