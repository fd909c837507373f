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
