import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastValueFrom, tap } from 'rxjs';
import {
  BatchService,
  buildDepartmentCsv,
  buildMemberCsv,
  validateDepartmentRows,
  validateMemberRows,
  type BatchJob,
  type BatchJobCompletedEvent,
  type BatchJobProgress,
  type ExportedMember,
  type WeComRowProblem,
} from 'nestjs-wecom-batch';
import { DEFAULT_DIRECTORY_FILE, loadDirectoryFile, type DirectoryData } from './directory-data.js';

/** Options of {@link DirectorySyncService.syncAll}. */
export interface SyncOptions {
  /** Called with every progress report of every job (from `BatchJob.watch()`). */
  onProgress?: (job: BatchJob, progress: BatchJobProgress) => void;
  /** Give up waiting for one job after this long (it keeps running in WeCom and stays tracked). */
  timeoutMs?: number;
}

/** One finished job of a sync. */
export interface SyncedJob {
  job: BatchJob;
  /** The `wecom.batch.job.completed` payload: ErrCode, source (callback or poll) and the per-row results. */
  completed: BatchJobCompletedEvent;
}

/** What {@link DirectorySyncService.syncAll} did. */
export interface SyncResult {
  directory: DirectoryData;
  departments: SyncedJob;
  /** Absent when the department job failed: members are not imported into a tree WeCom refused. */
  members?: SyncedJob;
}

/** What {@link DirectorySyncService.readBack} found in WeCom. */
export interface ReadBackResult {
  /** The export job (`export_user`). */
  jobId: string;
  /** Members WeCom reports. */
  total: number;
  /** Members per department id (a member in two departments counts in both), largest first. */
  perDepartment: Array<{ departmentId: number; name?: string; members: number }>;
  /** The first few members, as exported. */
  sample: ExportedMember[];
  /** From submission to the last row, in ms. */
  ms: number;
}

/** A CSV file written by {@link DirectorySyncService.dryRun}. */
export interface DryRunFile {
  path: string;
  rows: number;
  bytes: number;
  columns: string[];
}

/** What {@link DirectorySyncService.dryRun} found: the files it wrote, or every problem of the rows. */
export interface DryRunResult {
  directory: DirectoryData;
  files: DryRunFile[];
  problems: { departments: WeComRowProblem[]; members: WeComRowProblem[] };
}

/**
 * Mirrors the HR directory into WeCom (企业微信通讯录同步): the department tree first (全量覆盖部门, so every
 * department a member names exists), then the members (增量更新成员: creates and updates, deletes nobody).
 */
@Injectable()
export class DirectorySyncService {
  private readonly logger = new Logger(DirectorySyncService.name);

  constructor(
    private readonly batch: BatchService,
    private readonly config: ConfigService,
  ) {}

  /** The HR export (`DIRECTORY_FILE`, or the bundled sample data). */
  loadDirectory(): Promise<DirectoryData> {
    return loadDirectoryFile(this.config.get<string>('DIRECTORY_FILE') ?? DEFAULT_DIRECTORY_FILE);
  }

  /**
   * `replaceDepartments`, wait for it, then `syncUsers`, wait for it. Rows are validated before each upload
   * (a `WeComRowValidationError` lists every problem); per-row failures come back in `completed.result`.
   */
  async syncAll(options: SyncOptions = {}): Promise<SyncResult> {
    const directory = await this.loadDirectory();
    this.logger.log(`replacing the department tree: ${directory.departments.length} departments`);
    const departments = await this.follow(
      await this.batch.replaceDepartments({ departments: directory.departments }),
      options,
    );
    if (departments.completed.errCode !== 0) return { directory, departments };

    this.logger.log(`syncing ${directory.members.length} members`);
    // toInvite: false — new members are created silently. WeCom's default (true) would send each of them an
    // invitation by WeChat, SMS or e-mail.
    const members = await this.follow(
      await this.batch.syncUsers({ users: directory.members }, { toInvite: false }),
      options,
    );
    return { directory, departments, members };
  }

  /**
   * Reads the directory back from WeCom with `exportUsers` (an async export: the rows are streamed, file by file,
   * never held all at once) and counts members per department — what is in WeCom now, after the sync.
   */
  async readBack(options: { sampleSize?: number; timeoutMs?: number } = {}): Promise<ReadBackResult> {
    const started = Date.now();
    const directory = await this.loadDirectory();
    const names = new Map(directory.departments.map((d) => [d.id, d.name]));
    const job = await this.batch.exportUsers();
    await job.wait({ timeoutMs: options.timeoutMs });
    const counts = new Map<number, number>();
    const sample: ExportedMember[] = [];
    let total = 0;
    for await (const member of job.rows()) {
      total++;
      if (sample.length < (options.sampleSize ?? 3)) sample.push(member);
      for (const id of member.departments) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const perDepartment = [...counts]
      .map(([departmentId, members]) => ({ departmentId, name: names.get(departmentId), members }))
      .sort((a, b) => b.members - a.members || a.departmentId - b.departmentId);
    this.logger.log(`read ${total} members back from WeCom (export job ${job.jobId})`);
    return { jobId: job.jobId, total, perDepartment, sample, ms: Date.now() - started };
  }

  /**
   * Validates the rows and writes the two CSV files WeCom would receive into `outDir`, without calling WeCom.
   * With problems, writes nothing and returns all of them.
   */
  async dryRun(outDir: string): Promise<DryRunResult> {
    const directory = await this.loadDirectory();
    const problems = {
      departments: await validateDepartmentRows(directory.departments),
      members: await validateMemberRows(directory.members),
    };
    if (problems.departments.length > 0 || problems.members.length > 0) return { directory, files: [], problems };

    await mkdir(outDir, { recursive: true });
    const files: DryRunFile[] = [];
    for (const [name, built] of [
      ['departments.csv', await buildDepartmentCsv(directory.departments)],
      ['members.csv', await buildMemberCsv(directory.members)],
    ] as const) {
      const path = join(outDir, name);
      await writeFile(path, built.csv);
      files.push({ path, rows: built.rows, bytes: built.csv.length, columns: built.columns });
    }
    return { directory, files, problems };
  }

  /** Follows a job with `watch()` (progress reports until completion) and returns its completed payload. */
  private async follow(job: BatchJob, options: SyncOptions): Promise<SyncedJob> {
    const last = await lastValueFrom(
      job.watch({ timeoutMs: options.timeoutMs }).pipe(tap((progress) => options.onProgress?.(job, progress))),
    );
    // The last report of watch() always carries the completed payload.
    return { job, completed: last.completed as BatchJobCompletedEvent };
  }
}
