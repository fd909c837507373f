// src/directory-sync.service.ts
import { Injectable } from '@nestjs/common';
import { BatchService, type DepartmentRow, type MemberRow } from 'nestjs-wecom-batch';

@Injectable()
export class DirectorySyncService {
  constructor(private readonly batch: BatchService) {}

  async sync(departments: DepartmentRow[], users: MemberRow[]) {
    const tree = await this.batch.replaceDepartments({ departments }); // 全量覆盖部门
    const treeDone = await tree.wait();
    if (treeDone.errCode !== 0) throw new Error(`replace_party failed: ${treeDone.errCode} ${treeDone.errMsg}`);

    const job = await this.batch.syncUsers({ users }, { toInvite: false }); // 增量更新成员
    const done = await job.wait(); // also emitted as wecom.batch.job.completed
    return { jobId: job.jobId, rows: done.result?.length, failed: done.failedRows };
  }
}
