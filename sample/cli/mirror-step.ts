import { renderDirectoryPlan, WeComMirrorGuardError, type DirectoryPlan } from 'nestjs-wecom-batch';
import type { DirectoryData } from '../directory-data.js';
import type { DirectoryMirrorService, HrChanges } from '../directory-mirror.service.js';
import type { Terminal } from './console.js';

/** Prints a plan (or a drift) indented under the step's title. */
function printPlan(terminal: Terminal, plan: Parameters<typeof renderDirectoryPlan>[0]): void {
  for (const line of renderDirectoryPlan(plan, { items: 5 }).split('\n')) terminal.line(`  ${line}`);
}

/**
 * The nightly mirror, after the first sync: the HR data changes (join, leave, move, new mobile), the plan is computed
 * against WeCom and printed, applied, and the verified drift printed (empty). Resolves false when it did not go
 * through (a guard refused it, a job failed, or something still differs).
 */
export async function mirrorStep(
  mirror: DirectoryMirrorService,
  directory: DirectoryData,
  terminal: Terminal,
  timeoutMs: number,
): Promise<boolean> {
  const next = mirror.nextDay(directory);
  terminal.line();
  terminal.line('The next day in the HR system:');
  for (const change of next.changes) terminal.line(`  · ${change}`);
  terminal.line();
  terminal.line('Plan (planDirectory: computed against the directory WeCom has now, nothing uploaded)');
  const creator = directory.members[0].userid;
  const plan = await mirror.plan(next, creator);
  printPlan(terminal, plan);
  terminal.line();
  terminal.line('Apply (applyPlan: re-checked against WeCom first, then the jobs, then read again)');
  try {
    const result = await mirror.apply(plan, creator, timeoutMs);
    for (const job of result.jobs) {
      const id = job.jobId ? ` ${job.jobId}` : '';
      const rows =
        job.deleted !== undefined
          ? `${job.deleted} deleted`
          : `ErrCode ${job.errCode}, ${job.failedRows} failed row(s)`;
      terminal.line(`  ${job.jobType}${id}: ${rows}`);
    }
    terminal.line();
    if (result.drift) printPlan(terminal, result.drift);
    return result.applied && result.drift?.empty === true;
  } catch (error) {
    if (!(error instanceof WeComMirrorGuardError)) throw error;
    terminal.line(`  refused: ${error.message}`);
    return false;
  }
}

/** `--dry-run`: the plan of the HR data against WeCom's directory, printed; nothing is uploaded. */
export async function planOnly(
  mirror: DirectoryMirrorService,
  directory: DirectoryData,
  terminal: Terminal,
): Promise<DirectoryPlan> {
  terminal.line();
  terminal.line('Plan of the HR data against the directory WeCom has now (planDirectory; nothing uploaded)');
  const desired: HrChanges = { departments: directory.departments, users: directory.members, changes: [] };
  const plan = await mirror.plan(desired, directory.members[0].userid);
  printPlan(terminal, plan);
  return plan;
}
