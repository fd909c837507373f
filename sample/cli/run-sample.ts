import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer } from 'node:net';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeComApiError, WeComConfigError, type BatchJobProgress, type BatchJob } from 'nestjs-wecom-batch';
import { AppModule } from '../app.module.js';
import { DEFAULT_DIRECTORY_FILE, loadDirectoryFile, type DirectoryData } from '../directory-data.js';
import { DirectoryMirrorService } from '../directory-mirror.service.js';
import { DirectorySyncService, type SyncedJob, type SyncResult } from '../directory-sync.service.js';
import { parseArgs, readTarget, USAGE, UsageError, type SampleArgs, type Target } from './args.js';
import { SampleLogger, Terminal, type Output } from './console.js';
import { deliveryLines, failedRows, jobTitle, progressLine, rowSummary, seconds } from './report.js';
import { startSampleSimulator, type SampleSimulator } from './sample-simulator.js';
import { mirrorStep, planOnly } from './mirror-step.js';

/** Where the run writes, and the Nest logger to use (default: the compact console logger). */
export interface SampleIo {
  out: Output;
  err: Output;
  logger?: LoggerService;
}

/** Knobs for tests. */
export interface SampleRunOptions {
  /** Simulator only: how long each import job runs. @default 2000 */
  jobDelayMs?: number;
  /** Where `--dry-run` writes the CSV files. @default .sample-dist/dry-run/ (beside the compiled sample) */
  dryRunDir?: string;
  /** Longest wait for one job. @default 60 s with the simulator, 30 min with a real corp */
  jobTimeoutMs?: number;
}

const CALLBACK_PATH = '/wecom/batch/callback';
const STDIO: SampleIo = { out: process.stdout, err: process.stderr };

/**
 * `npm run sample`: starts the embedded WeCom simulator (or targets the corp of the WECOM_* variables), boots
 * the sample app, mirrors the bundled directory into WeCom and prints what happened. Resolves the exit code;
 * everything it started is closed before it resolves.
 */
export async function runSample(
  argv: readonly string[],
  io: SampleIo = STDIO,
  options: SampleRunOptions = {},
): Promise<number> {
  let args: SampleArgs;
  let target: Target;
  try {
    args = parseArgs(argv);
    if (args.help) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    target = readTarget(process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`sample: ${error.message}\n${error.showUsage ? `\n${USAGE}\n` : 'See `npm run sample -- --help`.\n'}`);
    return 2;
  }
  if (target.kind === 'corp' && !args.dryRun && args.confirmCorp !== target.corpId) {
    io.err.write(
      `sample: refusing to write into corp ${target.corpId} without confirmation.\n` +
        `This run REPLACES the corp's department tree (全量覆盖部门: departments missing from the sample data are deleted\n` +
        "when empty) and creates or updates the sample's fictional members. Run it against a test corp only:\n" +
        `  npm run sample -- --confirm-corp ${target.corpId}\n` +
        'or look at what would be sent without uploading anything:\n' +
        '  npm run sample -- --dry-run\n',
    );
    return 2;
  }

  const terminal = new Terminal(io.out);
  const env = new EnvOverrides();
  const started = performance.now();
  let sim: SampleSimulator | undefined;
  let app: INestApplication | undefined;
  try {
    const dataFile = process.env.DIRECTORY_FILE ?? DEFAULT_DIRECTORY_FILE;
    const directory = await loadDirectoryFile(dataFile);
    const adapter = args.fastify ? 'Fastify' : 'Express';
    terminal.line(`nestjs-wecom-batch sample · 通讯录同步 of ${directory.company} on ${adapter}`);

    let port: number;
    let host: string;
    if (target.kind === 'simulator') {
      port = await freePort();
      // The simulated admin console sends export completions to this app too (通讯录同步 → 接收事件服务器).
      sim = await startSampleSimulator(directory, {
        jobDelayMs: options.jobDelayMs,
        consoleCallbackUrl: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
      });
      host = '127.0.0.1';
      // The app reads its configuration from the environment, like any deployment; here it is the simulator's.
      env.set('WECOM_CORP_ID', sim.corpId);
      env.set('WECOM_CORP_SECRET', sim.corpSecret);
      env.set('WECOM_API_BASE_URL', sim.simulator.baseUrl);
      env.set('WECOM_CALLBACK_URL', `http://127.0.0.1:${port}${CALLBACK_PATH}`);
      env.set('WECOM_CALLBACK_TOKEN', sim.callbackToken);
      env.set('WECOM_CALLBACK_AES_KEY', sim.encodingAESKey);
      if (sim.console) {
        env.set('WECOM_CONSOLE_TOKEN', sim.console.token);
        env.set('WECOM_CONSOLE_AES_KEY', sim.console.encodingAESKey);
      }
      // Short polls, so the progress bar moves (watchJob polls getresult; a real corp needs no such setting).
      env.set('WECOM_POLL_INTERVAL_MS', '200');
      terminal.line(
        `  WeCom     embedded simulator at ${sim.simulator.baseUrl} (corp ${sim.corpId}, fresh random secrets)`,
      );
      terminal.line(
        args.dryRun
          ? `  callback  http://127.0.0.1:${port}${CALLBACK_PATH} (this app: a dry run imports nothing; its plan's exports complete here)`
          : `  callback  http://127.0.0.1:${port}${CALLBACK_PATH} (this app)`,
      );
    } else {
      port = Number(process.env.PORT ?? 3000);
      host = process.env.HOST ?? '0.0.0.0';
      terminal.line(
        `  WeCom     corp ${target.corpId} at ${process.env.WECOM_API_BASE_URL ?? 'https://qyapi.weixin.qq.com'}`,
      );
      if (target.callbackUrl) {
        terminal.line(`  callback  ${target.callbackUrl} → this app on port ${port}, route ${CALLBACK_PATH}`);
        if (!safePath(target.callbackUrl).endsWith(CALLBACK_PATH)) {
          terminal.line(
            `  note      the callback URL's path is not ${CALLBACK_PATH}: make sure your reverse proxy maps it there`,
          );
        }
      } else {
        terminal.line('  callback  none configured: job completion is learnt by polling batch/getresult');
      }
    }
    terminal.line(
      `  data      ${relative(process.cwd(), dataFile)}: ${directory.departments.length} departments, ` +
        `${directory.members.length} members`,
    );
    terminal.line();

    const logger = io.logger ?? new SampleLogger(terminal, io.err, args.verbose);
    const appOptions = { logger, abortOnError: false };
    app = args.fastify
      ? await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), appOptions)
      : await NestFactory.create(AppModule, appOptions);
    const service = app.get(DirectorySyncService);

    if (args.dryRun) {
      // Listening: the plan's export jobs complete by the console callback (or by polling without one).
      await app.listen(port, host);
      const code = await dryRun(service, terminal, sim, options.dryRunDir ?? defaultDryRunDir());
      if (code === 0) await planOnly(app.get(DirectoryMirrorService), directory, terminal);
      return code;
    }

    await app.listen(port, host);
    const timeoutMs = options.jobTimeoutMs ?? (sim ? 60_000 : 30 * 60_000);
    const result = await service.syncAll({ timeoutMs, onProgress: (job, p) => showProgress(terminal, job, p) });
    terminal.line();
    report(terminal, result, sim, target);
    const ok = result.departments.completed.errCode === 0 && result.members?.completed.errCode === 0;
    if (ok) await readBack(service, terminal, timeoutMs);
    // The nightly mirror: the HR data changes, plan → apply → verified drift (empty).
    const mirrored = ok && (await mirrorStep(app.get(DirectoryMirrorService), directory, terminal, timeoutMs));
    if (ok && !mirrored) io.err.write('sample: the mirror did not go through (see above)\n');
    terminal.line();
    terminal.line(`${ok ? 'Done' : 'Failed'} in ${seconds(performance.now() - started)} on ${adapter}.`);
    if (!ok) {
      io.err.write(
        result.members
          ? 'sample: the member job failed (see its ErrCode above)\n'
          : 'sample: the department job failed, so the members were not imported (see its ErrCode above)\n',
      );
    }
    return ok && mirrored ? 0 : 1;
  } catch (error) {
    terminal.endStatus();
    io.err.write(`sample: ${describeError(error, args.verbose)}\n`);
    return isConfiguration(error) ? 2 : 1;
  } finally {
    terminal.endStatus();
    await app?.close();
    await sim?.simulator.close();
    env.restore();
  }
}

async function dryRun(
  service: DirectorySyncService,
  terminal: Terminal,
  sim: SampleSimulator | undefined,
  outDir: string,
): Promise<number> {
  const { files, problems } = await service.dryRun(outDir);
  const all = [
    ...problems.departments.map((p) => ({ ...p, kind: 'department' })),
    ...problems.members.map((p) => ({ ...p, kind: 'member' })),
  ];
  if (all.length > 0) {
    terminal.line(`Dry run: ${all.length} problem${all.length === 1 ? '' : 's'} in the rows; no file was written.`);
    for (const p of all.slice(0, 20)) {
      terminal.line(`  ${p.kind} row ${p.row} ${p.field}: ${p.message}${p.code === undefined ? '' : ` (${p.code})`}`);
    }
    if (all.length > 20) terminal.line(`  … and ${all.length - 20} more`);
    return 1;
  }
  terminal.line('Dry run: the rows are valid. The files WeCom would receive (UTF-8, no BOM, LF):');
  for (const file of files) {
    terminal.line(`  ${relative(process.cwd(), file.path)}  ${file.rows} rows, ${file.bytes} bytes`);
    terminal.line(`    columns: ${file.columns.join(',')}`);
  }
  const calls = sim ? ` (WeCom calls made: ${sim.simulator.requests().length})` : '';
  terminal.line(`Nothing was uploaded and no job was submitted${calls}.`);
  return 0;
}

/** After the sync: the directory as WeCom has it now, read with exportUsers, in a few lines. */
async function readBack(service: DirectorySyncService, terminal: Terminal, timeoutMs: number): Promise<void> {
  terminal.line();
  terminal.line('Read back (exportUsers: export/user, decrypted and streamed file by file)');
  try {
    const found = await service.readBack({ timeoutMs });
    terminal.line(`  ${found.total} members in WeCom, read in ${seconds(found.ms)} (export job ${found.jobId})`);
    for (const d of found.perDepartment.slice(0, 6)) {
      terminal.line(`  ${String(d.members).padStart(5)}  ${d.name ?? '(not in the HR file)'} (${d.departmentId})`);
    }
    if (found.perDepartment.length > 6)
      terminal.line(`         … and ${found.perDepartment.length - 6} more departments`);
    for (const m of found.sample) {
      const fields = [m.userid, m.name, m.position ?? '—', `departments ${m.departments.join(';')}`];
      terminal.line(`  e.g. ${fields.join(' · ')}`);
    }
  } catch (error) {
    // The sync itself went through; a directory that cannot be read back (48009 …) is reported, not fatal.
    terminal.line(`  could not read the directory back: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function showProgress(terminal: Terminal, job: BatchJob, progress: BatchJobProgress): void {
  const elapsed = Date.now() - job.submittedAt.getTime();
  if (!progress.completed) {
    // Off a terminal, one line per status and quarter is enough.
    const key = `${job.jobId}:${progress.status}:${Math.floor(progress.percentage / 25)}`;
    terminal.setStatus(progressLine(job.jobType, progress, elapsed), key);
    return;
  }
  terminal.endStatus();
  const { errCode, errMsg, source } = progress.completed;
  const mark = errCode === 0 ? '✓' : '✗';
  terminal.line(
    `  ${mark} ${job.jobType} completed in ${seconds(elapsed)} via ${source}, ErrCode ${errCode} (${errMsg})`,
  );
}

function report(terminal: Terminal, result: SyncResult, sim: SampleSimulator | undefined, target: Target): void {
  terminal.line('Report');
  const jobs: SyncedJob[] = [result.departments, ...(result.members ? [result.members] : [])];
  jobs.forEach((synced, i) => {
    const { job, completed } = synced;
    const took = completed.completedAt.getTime() - job.submittedAt.getTime();
    terminal.line(
      `  ${i + 1}. ${jobTitle(job.jobType)} — ${completed.errCode === 0 ? 'completed' : 'FAILED'}, ` +
        `ErrCode ${completed.errCode} (${completed.errMsg}), ${seconds(took)} from submission to completion`,
    );
    terminal.line(`     job id    ${job.jobId}`);
    terminal.line(`     rows      ${rowSummary(synced)}`);
    for (const line of failedRows(completed.result)) terminal.line(`               ${line}`);
    if (sim && completed.result?.some((r) => 'userid' in r && r.userid === sim.staleAccount.clashesWith && r.errcode)) {
      terminal.line(
        `               (the simulated corp has an old account, ${sim.staleAccount.userid}, holding that mobile:` +
          ' WeCom refuses the row until the accounts are merged — the rest of the job went through)',
      );
    }
    const deliveries = sim?.simulator.deliveries(job.jobId) ?? [];
    const delivery = deliveries.find((d) => d.ok) ?? deliveries.at(-1);
    if (delivery) {
      deliveryLines(delivery).forEach((line, n) =>
        terminal.line(`     ${n === 0 ? 'callback ' : '         '} ${line}`),
      );
    } else if (completed.source === 'callback') {
      terminal.line(
        `     callback  arrived, verified and decrypted: ErrCode ${completed.errCode} (${completed.errMsg})`,
      );
    } else {
      const why = target.kind === 'corp' && !target.callbackUrl ? 'none configured' : 'none arrived in time';
      terminal.line(`     callback  ${why}; the completion was learnt by polling batch/getresult`);
    }
  });
  if (sim) {
    const { departments, users } = sim.simulator.directory();
    terminal.line(`  WeCom directory now: ${departments.length} departments, ${users.length} members`);
  }
}

function describeError(error: unknown, verbose: boolean): string {
  if (!(error instanceof Error)) return String(error);
  // The module's errors say what to do and never contain secrets.
  return verbose && error.stack ? error.stack : error.message;
}

function isConfiguration(error: unknown): boolean {
  return error instanceof WeComConfigError || (error instanceof WeComApiError && error.kind === 'config');
}

function defaultDryRunDir(): string {
  return fileURLToPath(new URL('../dry-run/', import.meta.url));
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

/** A free TCP port on 127.0.0.1: the callback URL (in the module's options) must name the app's port before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Sets environment variables for the run and puts the previous values back afterwards. */
class EnvOverrides {
  private readonly previous = new Map<string, string | undefined>();

  set(name: string, value: string): void {
    if (!this.previous.has(name)) this.previous.set(name, process.env[name]);
    process.env[name] = value;
  }

  restore(): void {
    for (const [name, value] of this.previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.previous.clear();
  }
}

export type { DirectoryData };
