import { describe, expect, it } from '@jest/globals';
import { FingerprintBuilder } from './directory-fingerprint.util.js';

const members: Array<[string, number[]]> = [
  ['zhangsan', [2, 3]],
  ['lisi', [3]],
  ['wangwu', [1, 4]],
];

function byExport(list = members): ReturnType<FingerprintBuilder['build']> {
  const f = new FingerprintBuilder();
  for (const [key, departments] of list) f.member(key, departments);
  f.department(2, 1);
  f.department(3, 2);
  return f.build();
}

describe('FingerprintBuilder', () => {
  it('digests the export (member by member) and user/list_id (pair by pair, any order) the same', () => {
    const f = new FingerprintBuilder();
    const pairs = members.flatMap(([key, departments]) => departments.map((d) => [key, d] as const)).reverse();
    const seen = new Set<string>();
    for (const [key, department] of pairs) {
      if (!seen.has(key)) f.memberId(key);
      seen.add(key);
      f.membership(key, department);
    }
    f.department(3, 2);
    f.department(2, 1);
    expect(f.build()).toEqual(byExport());
  });

  it('tells apart a member added, a membership changed, a department moved', () => {
    const base = byExport();
    const added = byExport([...members, ['newbie', [2]]]);
    expect(added.memberIds).not.toBe(base.memberIds);
    const moved = byExport([['zhangsan', [2, 4]], members[1], members[2]]);
    expect(moved.memberIds).toBe(base.memberIds);
    expect(moved.memberships).not.toBe(base.memberships);
    const tree = new FingerprintBuilder();
    for (const [key, departments] of members) tree.member(key, departments);
    tree.department(2, 1);
    tree.department(3, 1);
    expect(tree.build().tree).not.toBe(base.tree);
    expect(tree.build().memberships).toBe(base.memberships);
  });
});
