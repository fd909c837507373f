import { Injectable, Logger } from '@nestjs/common';
import {
  BatchService,
  type DepartmentRow,
  type DirectoryPlan,
  type MemberRow,
  type MirrorResult,
} from 'nestjs-wecom-batch';
import type { DirectoryData } from './directory-data.js';

/** The HR system's next day: what changed, in words, and the directory after it. */
export interface HrChanges {
  departments: DepartmentRow[];
  users: MemberRow[];
  /** One line per change, for the terminal. */
  changes: string[];
}

/**
 * Keeps WeCom equal to the HR system every night, safely: plan against the real directory, show the plan, apply
 * only that plan (refused if WeCom changed in between), and check afterwards that nothing differs. The corp's
 * creator (WeCom never deletes them) is protected, and the module's default limits refuse a mass deletion.
 */
@Injectable()
export class DirectoryMirrorService {
  private readonly logger = new Logger(DirectoryMirrorService.name);

  constructor(private readonly batch: BatchService) {}

  /**
   * What the HR system says the next day: one person joins, one leaves, one moves to another department and one
   * gets a new mobile. (In your app this is simply the next export of your HR system.)
   */
  nextDay(directory: DirectoryData): HrChanges {
    const users = directory.members.map((m) => ({ ...m, departments: [...m.departments] }));
    const [, mover, newMobile, leaver] = users.slice(-4);
    const target = directory.departments.find((d) => d.id !== 1 && !mover.departments.includes(d.id))!;
    mover.departments = [target.id];
    delete mover.isLeaderInDept;
    delete mover.order;
    newMobile.mobile = `199${newMobile.userid.length.toString().padStart(2, '0')}${String(Date.now()).slice(-6)}`;
    const joiner: MemberRow = {
      userid: 'sample_joiner',
      name: '林新',
      mobile: '13912345678',
      departments: [target.id],
      position: '实习生',
    };
    return {
      departments: directory.departments,
      users: [...users.filter((u) => u !== leaver), joiner],
      changes: [
        `${joiner.userid} joins ${target.name}`,
        `${leaver.userid} leaves`,
        `${mover.userid} moves to ${target.name}`,
        `${newMobile.userid} gets a new mobile`,
      ],
    };
  }

  /** The plan alone: nothing is uploaded. */
  plan(desired: HrChanges, creator: string): Promise<DirectoryPlan> {
    return this.batch.planDirectory(desired, { protectedUserIds: [creator] });
  }

  /** Applies `plan` and verifies it (the drift in the result is empty when WeCom equals the HR data). */
  async apply(plan: DirectoryPlan, creator: string, timeoutMs?: number): Promise<MirrorResult> {
    const result = await this.batch.applyPlan(plan, { protectedUserIds: [creator], jobTimeoutMs: timeoutMs });
    this.logger.log(
      `mirror applied: ${result.jobs.length} job(s), drift ${result.drift?.empty ? 'empty' : 'NOT empty'}`,
    );
    return result;
  }
}
