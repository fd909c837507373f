import {
  fromExportedDepartment,
  fromExportedMember,
  type ComparableDepartment,
  type ComparableMember,
} from './comparable.util.js';
import type { CurrentDirectory } from './current-directory.types.js';
import { FingerprintBuilder } from './directory-fingerprint.util.js';

/** A CurrentDirectory from exported-looking rows (as the export yields them), for the differ's specs. */
export function currentDirectory(
  members: Array<Record<string, unknown>>,
  departments: Array<Record<string, unknown>> = [{ id: 1, name: 'corp', parentId: 0 }],
  source: CurrentDirectory['source'] = 'export',
): CurrentDirectory {
  const fingerprint = new FingerprintBuilder();
  const memberMap = new Map<string, ComparableMember>();
  for (const row of members) {
    const member = fromExportedMember(row)!;
    memberMap.set(member.userid.toLowerCase(), member);
    fingerprint.member(member.userid.toLowerCase(), member.departments);
  }
  const departmentMap = new Map<number, ComparableDepartment>();
  for (const row of departments) {
    const department = fromExportedDepartment(row)!;
    departmentMap.set(department.id, department);
    fingerprint.department(department.id, department.parentId);
  }
  return {
    source,
    members: memberMap,
    departments: departmentMap,
    fingerprint: fingerprint.build(),
    readAt: new Date('2026-01-01T00:00:00Z'),
  };
}
