import type { CallbackDeliverer } from './callback-deliverer.service.js';
import { describeFile } from './export-file.stream.js';
import type { FaultInjector } from './fault-injector.service.js';
import { ERRMSG } from './simulator-errcodes.js';
import type { SimulatedExportJob } from './simulator-export.types.js';
import type { CorpState, ExportJobState } from './simulator-state.types.js';

/** What the export runner needs from the simulator around it. */
export interface ExportRunnerSettings {
  /** Wall-clock time from submission to the start of processing; `Infinity` waits for `completeJobs()`. */
  delayMs: number;
  now: () => number;
  closed: () => boolean;
  /** `JobType` of the tag export's completion event. */
  tagJobType: 'export_taguser' | 'export_tag';
}

/**
 * Runs export jobs: status 0 for the first half of the delay, 1 for the second and while the files are
 * encrypted (in time slices, to learn each file's size and md5), then 2 — or 3 for an injected failure — and the
 * `batch_job_result` event to the corp's console callback, if it has one.
 */
export class ExportRunner {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly settings: ExportRunnerSettings,
    private readonly faults: FaultInjector,
    private readonly deliverer: CallbackDeliverer,
  ) {}

  /** Registers `job` with its corp and schedules it. */
  start(corp: CorpState, job: ExportJobState): void {
    corp.exportJobs.push(job);
    corp.exportJobsById.set(job.view.jobId, job);
    const delay = this.settings.delayMs;
    if (!Number.isFinite(delay)) return;
    job.timers.push(
      setTimeout(() => {
        if (job.view.status === 0) job.view.status = 1;
      }, delay / 2),
      setTimeout(() => this.process(corp, job), delay),
    );
    this.track(job.finished);
  }

  /** Starts processing the unfinished export jobs of `corps` now. */
  completeJobs(corps: readonly CorpState[]): void {
    for (const corp of corps) {
      for (const job of corp.exportJobs) if (job.view.status < 2) this.process(corp, job);
    }
  }

  /** A copy of the job as inspection shows it. */
  view(job: ExportJobState): SimulatedExportJob {
    return structuredClone(job.view);
  }

  /** Resolves once every scheduled export has finished (the deliverer is waited for by the facade). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Stops every timer; unfinished jobs stay unfinished, but nobody waiting on them hangs. */
  close(corps: readonly CorpState[]): void {
    for (const corp of corps) {
      for (const job of corp.exportJobs) {
        job.timers.forEach(clearTimeout);
        job.finish();
      }
    }
  }

  private process(corp: CorpState, job: ExportJobState): void {
    if (job.started) return;
    job.started = true;
    job.timers.forEach(clearTimeout);
    job.timers.length = 0;
    job.view.status = 1;
    const work = this.encryptAll(job).then(
      (files) => {
        if (this.settings.closed()) return;
        const failed = job.forcedErrcode !== undefined;
        Object.assign(job.view, {
          status: failed ? 3 : 2,
          files: failed ? [] : files,
          errCode: job.forcedErrcode ?? 0,
          finishedAt: this.settings.now(),
        });
        job.finish();
        this.sendCallback(corp, job);
      },
      () => job.finish(),
    );
    this.track(work);
  }

  private async encryptAll(job: ExportJobState): Promise<SimulatedExportJob['files']> {
    const files: SimulatedExportJob['files'] = [];
    for (const [index, block] of job.blocks.entries()) {
      if (this.settings.closed()) break;
      files.push({ index, records: block.end - block.start, ...(await describeFile(job, index)) });
    }
    return files;
  }

  private sendCallback(corp: CorpState, job: ExportJobState): void {
    const callback = corp.options.console;
    if (!callback || this.settings.closed()) return;
    if (this.faults.takeCallbackDrop()) {
      job.view.callbackState = 'dropped';
      return;
    }
    job.view.callbackState = 'delivering';
    const { jobId, type, errCode } = job.view;
    const delivery = this.deliverer
      .deliver(
        {
          jobId,
          corpId: corp.options.corpId,
          jobType: type === 'export_taguser' ? this.settings.tagJobType : type,
          errCode,
          errMsg: errCode ? (ERRMSG[errCode] ?? 'error') : 'ok',
          callback,
          channel: 'console',
        },
        this.faults.takeCallbackDuplicates(),
      )
      .then((ok) => {
        job.view.callbackState = ok ? 'delivered' : 'failed';
      });
    this.track(delivery);
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}
