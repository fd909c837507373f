import { describe, expect, it } from '@jest/globals';
import { WeComMirrorGuardError } from '../../errors/wecom-mirror-guard.error.js';
import type { MemberRow } from '../rows/member-row.dto.js';
import { runBlocking } from '../rows/row-steps.util.js';
import { checkGuards } from './deletion-guard.util.js';
import { diffDirectory } from './directory-differ.util.js';
import { currentDirectory } from './mirror.spec-helper.js';
import { mask, renderDirectoryPlan } from './plan-render.util.js';

const current = Array.from({ length: 14 }, (_, i) => ({
  userid: `u${i}`,
  name: `成员${i}`,
  mobile: `1380000${String(i).padStart(4, '0')}`,
  email: `u${i}@example.com`,
  departments: [1],
}));
const desired = [
  ...current.slice(2).map((m) => ({ ...m })),
  { userid: 'joiner', name: '新人', mobile: '13911112222', departments: [1] },
] as MemberRow[];
desired[0].mobile = '13999990002';
const plan = runBlocking(
  diffDirectory({ corpId: 'wwcorp', current: currentDirectory(current), users: desired, mediaLimitBytes: 20_000_000 }),
);

describe('renderDirectoryPlan', () => {
  it('puts the counts first, then the first N items of each kind with Chinese field names beside the English', () => {
    const text = renderDirectoryPlan(plan, { items: 1 });
    const lines = text.split('\n');
    expect(lines[1]).toBe('成员 Members:     1 to create, 1 to update, 0 to move, 2 to delete, 11 unchanged');
    expect(text).toContain('Members to update 修改成员 (1):\n  ~ u2 (成**): mobile 手机号 138****0002 → 139****0002');
    expect(text).toContain('Members to delete 删除成员 (2):\n  - u0 (成**) from 1\n  … and 1 more');
    expect(text).toContain('删除保护 Deletion guard (45026): would not fire');
  });

  it('masks personal data unless asked to show it', () => {
    const masked = renderDirectoryPlan(plan);
    for (const secret of ['13999990002', '成员2', '新人']) expect(masked).not.toContain(secret);
    expect(renderDirectoryPlan(plan, { showPersonalData: true })).toContain('13800000002 → 13999990002');
    expect(mask('email', 'zhangsan@example.com')).toBe('z***@example.com');
    expect(mask('name', '欧阳娜娜')).toBe('欧***');
  });
});

describe('WeComMirrorGuardError', () => {
  it('lists the deletions by userid, which limits broke and how to allow them — no names or mobiles', () => {
    const violations = checkGuards(plan, { maxDeletes: 1, protectedUserIds: ['U1'] });
    const error = new WeComMirrorGuardError(
      violations,
      plan.members!.deletes.map((d) => d.userid),
      plan.members!.current,
    );
    expect(error.message).toContain(
      'the directory plan deletes 2 of 14 members and breaks 3 limits; nothing was uploaded',
    );
    expect(error.message).toContain('protectedUserIds: it would delete u1 — add them to the desired users');
    expect(error.message).toContain('maxDeletes 1: 2 deletions — pass { maxDeletes: 2 }');
    expect(error.message).toContain('maxDeletePercent 10: 14.3 % of the 14 members — pass { maxDeletePercent: 15 }');
    expect(error.message).toContain('deletions: u0, u1');
    expect(error.message).not.toMatch(/成员|1380000/);
  });
});
