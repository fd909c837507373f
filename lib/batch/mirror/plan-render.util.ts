import type { DirectoryDrift, DirectoryPlan, FieldChange, PlanValue } from './mirror-plan.types.js';

/** Options of {@link renderDirectoryPlan}. */
export interface RenderPlanOptions {
  /**
   * Items listed of each kind (creates, updates, moves, deletes) after the counts; the rest are counted.
   * @default 10
   */
  items?: number;
  /**
   * Show names, mobiles, e-mails and addresses as they are. Off by default: the text is meant for a terminal or an
   * admin page, and personal data shown as `张*`, `138****0000`, `z***@example.com` is enough to recognise a row.
   * @default false
   */
  showPersonalData?: boolean;
}

/** Fields masked unless `showPersonalData`. */
const PERSONAL = new Set(['name', 'mobile', 'email', 'address', 'telephone']);

/**
 * The plan for people — counts first, then the first N items of each kind, with WeCom's Chinese field names beside
 * the English — as plain text a CLI can print or an admin page can show in a `<pre>`. Userids are shown; personal
 * fields are masked unless `showPersonalData`.
 */
export function renderDirectoryPlan(plan: DirectoryPlan | DirectoryDrift, options: RenderPlanOptions = {}): string {
  const items = options.items ?? 10;
  const show = (field: string, value: PlanValue | undefined) => format(field, value, !!options.showPersonalData);
  const out: string[] = [];
  if ('corpId' in plan) {
    const read = plan.source === 'export' ? 'read by export' : 'read by ID lists (48009: no names or contact fields)';
    out.push(
      `Directory plan for ${plan.corpId} (${read}, ${plan.computedAt})${plan.empty ? ': nothing to change' : ''}`,
    );
  } else {
    out.push(
      plan.empty ? 'Drift: none — the directory equals the desired state' : 'Drift: the directory still differs',
    );
  }
  const m = plan.members;
  const d = plan.departments;
  if (m) out.push(`成员 Members:     ${counts(m)}`);
  if (d) out.push(`部门 Departments: ${counts(d)}`);
  if ('deletionGuard' in plan) {
    const g = plan.deletionGuard;
    out.push(
      `删除保护 Deletion guard (45026): ${g.wouldTrigger ? `WOULD FIRE (${g.rule})` : 'would not fire'} — ${g.explanation}`,
    );
    out.push(
      `Applied as: ${[plan.strategy.departments, plan.strategy.members].filter((s) => s !== 'none').join(', then ') || 'nothing'} — ${plan.strategy.reason}`,
    );
    for (const u of plan.unknownDepartments) {
      out.push(
        `Unknown department ${u.id}, named by ${u.members} member(s) (${u.userids.join(', ')}${u.members > u.userids.length ? ', …' : ''}): WeCom would create it under 其他(待设置部门)`,
      );
    }
  }
  for (const n of plan.notCompared) {
    const why = n.reason === 'withheld' ? 'withheld by WeCom' : 'not readable (48009)';
    out.push(
      `Not compared: ${n.scope} ${n.field} ${n.label} — ${why}, for ${n.count} ${n.scope}(s): unknown, not reported as changes`,
    );
  }
  const section = <T>(title: string, list: readonly T[], line: (item: T) => string) => {
    if (!list.length) return;
    out.push('', `${title} (${list.length}):`);
    for (const item of list.slice(0, items)) out.push(`  ${line(item)}`);
    if (list.length > items) out.push(`  … and ${list.length - items} more`);
  };
  const who = (userid: string, name?: string) => (name === undefined ? userid : `${userid} (${show('name', name)})`);
  if (m) {
    section('Members to create 新增成员', m.creates, (c) => `+ ${who(c.userid, c.name)} in ${c.departments.join(';')}`);
    section('Members to update 修改成员', m.updates, (u) => `~ ${who(u.userid, u.name)}: ${changes(u.changes, show)}`);
    section(
      'Members to move 调整部门',
      m.moves,
      (v) => `> ${who(v.userid, v.name)}: 所在部门 departments ${v.from.join(';')} → ${v.to.join(';')}`,
    );
    section(
      'Members to delete 删除成员',
      m.deletes,
      (x) => `- ${who(x.userid, x.name)} from ${x.departments.join(';')}`,
    );
  }
  if (d) {
    section('Departments to create 新增部门', d.creates, (c) => `+ ${c.id} ${c.name} under ${c.parentId}`);
    section(
      'Departments to update 修改部门',
      d.updates,
      (u) => `~ ${u.id}${u.name ? ` ${u.name}` : ''}: ${changes(u.changes, show)}`,
    );
    section(
      'Departments to move 移动部门',
      d.moves,
      (v) => `> ${v.id}${v.name ? ` ${v.name}` : ''}: 父部门ID parentId ${v.from} → ${v.to}`,
    );
    section(
      'Departments to delete 删除部门',
      d.deletes,
      (x) =>
        `- ${x.id}${x.name ? ` ${x.name}` : ''}${x.blocked ? ` — kept: ${x.membersLeft} member(s) would still be in it` : ''}`,
    );
  }
  return out.join('\n');
}

function counts(s: {
  creates: unknown[];
  updates: unknown[];
  moves: unknown[];
  deletes: unknown[];
  unchanged: number;
}): string {
  return `${s.creates.length} to create, ${s.updates.length} to update, ${s.moves.length} to move, ${s.deletes.length} to delete, ${s.unchanged} unchanged`;
}

function changes(list: readonly FieldChange[], show: (field: string, value: PlanValue) => string): string {
  return list.map((c) => `${c.field} ${c.label} ${show(c.field, c.from)} → ${show(c.field, c.to)}`).join('; ');
}

function format(field: string, value: PlanValue | undefined, reveal: boolean): string {
  if (value === null || value === undefined) return '(empty)';
  if (Array.isArray(value)) return value.map(String).join(';');
  if (typeof value !== 'string') return String(value);
  if (reveal || !PERSONAL.has(field)) return value;
  return mask(field, value);
}

/** Enough of a value to recognise it, not enough to use it. */
export function mask(field: string, value: string): string {
  const chars = [...value];
  if (field === 'email') {
    const at = value.indexOf('@');
    return at > 0 ? `${chars[0]}***${value.slice(at)}` : '***';
  }
  if (field === 'mobile' || field === 'telephone') {
    return chars.length > 7 ? `${chars.slice(0, 3).join('')}****${chars.slice(-4).join('')}` : '****';
  }
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(Math.min(chars.length - 1, 3))}`;
}
