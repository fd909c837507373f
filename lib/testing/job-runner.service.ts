import type { CallbackDeliverer } from './callback-deliverer.service.js';
import type { FaultInjector } from './fault-injector.service.js';
import type { MemberFileRow } from './import-file.parser.js';
import { ERRMSG } from './simulator-errcodes.js';
import type { CorpState, JobState } from './simulator-state.types.js';
import type { SimulatedJob, SimulatedPartyResultRow, SimulatedUserResultRow } from './simulator.types.js';
import { drive } from './time-slice.util.js';

/** Member files with more rows than this are applied in time slices (their completion is then asynchronous). */
const SLICED_ROWS = 5_000;

/** How a job ended: its job-level ErrCode and its getresult rows. */
type JobOutcome = { errCode: number; result: Array<SimulatedUserResultRow | SimulatedPartyResultRow> };

/** getresult keeps the results of a corp's last five jobs only (older ones answer 40089). */
const KEPT_RESULTS = 5;

/** What the runner needs from the simulator around it. */
export interface JobRunnerSettings {
  /** Wall-clock time from submission to completion; `Infinity` waits for `completeJobs()`. */
  jobDelayMs: number;
  now: () => number;
  /** True once the simulator is closed: finished jobs then send no callback. */
  closed: () => boolean;
}

/**
 * Runs submitted import jobs: status 1 for the first half of `jobDelayMs`, 2 for the second, then applies the
 * file to the corp's directory by WeCom's rules (or fails the whole job with its job-level ErrCode) and hands
 * the `batch_job_result` callback to the deliverer. Tracks what `settled()` waits for.
 */
export class JobRunner {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly settings: JobRunnerSettings,
    private readonly faults: FaultInjector,
    private readonly deliverer: CallbackDeliverer,
  ) {}

  /** Registers `job` as the corp's running job and schedules its completion. */
  start(corp: CorpState, job: JobState): void {
    corp.jobs.push(job);
    corp.jobsById.set(job.view.jobId, job);
    corp.running = job;
    const delay = this.settings.jobDelayMs;
    if (!Number.isFinite(delay)) return;
    job.timers.push(
      setTimeout(() => {
        if (job.view.status === 1) job.view.status = 2;
      }, delay / 2),
      setTimeout(() => this.finish(corp, job), delay),
    );
    this.track(job.finished);
  }

  /** Finishes the running jobs of `corps` now. */
  completeJobs(corps: readonly CorpState[]): void {
    for (const corp of corps) if (corp.running) this.finish(corp, corp.running);
  }

  /**
   * The job as inspection shows it: a copy, with the live percentage and whether getresult still has it
   * (`withResult: false` leaves the rows out).
   */
  view(corp: CorpState, job: JobState, withResult = true): SimulatedJob {
    const { result, ...rest } = job.view;
    // Result rows are never changed once set: shallow copies are enough (and cheap at 1,000,000 rows).
    const view: SimulatedJob = { ...structuredClone(rest), result: withResult ? result.map((r) => ({ ...r })) : [] };
    view.resultAvailable = this.resultAvailable(corp, job);
    const delay = this.settings.jobDelayMs;
    if (view.status === 2 && Number.isFinite(delay)) {
      const elapsed = performance.now() - job.startedReal;
      view.percentage = Math.min(99, Math.max(1, Math.floor((elapsed / delay) * 100)));
    }
    return view;
  }

  /** False once five newer jobs of the corp exist. */
  resultAvailable(corp: CorpState, job: JobState): boolean {
    return corp.jobs.indexOf(job) >= corp.jobs.length - KEPT_RESULTS;
  }

  /** Resolves once every scheduled job has finished and every callback delivery has ended. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await this.deliverer.idle();
  }

  /** Stops every job's timers; unfinished jobs stay unfinished, but nobody in settled() hangs on them. */
  close(corps: readonly CorpState[]): void {
    for (const corp of corps) {
      for (const job of corp.jobs) {
        job.timers.forEach(clearTimeout);
        job.finish();
      }
    }
  }

  private finish(corp: CorpState, job: JobState): void {
    if (job.view.status === 3 || job.applying) return;
    job.timers.forEach(clearTimeout);
    const steps = this.apply(corp, job);
    if ((job.memberRows?.length ?? 0) <= SLICED_ROWS) {
      this.complete(corp, job, drive(steps, false));
      return;
    }
    // A big file is applied in time slices: the job reports status 2 (99 % at most) until it is done.
    job.applying = true;
    job.view.status = 2;
    this.track(
      drive(steps, true).then(
        (outcome) => this.complete(corp, job, outcome),
        // A rule that throws is a simulator bug: fail the job like WeCom's "system busy" rather than hang it.
        () => this.complete(corp, job, { errCode: -1, result: [] }),
      ),
    );
  }

  private complete(corp: CorpState, job: JobState, { errCode, result }: JobOutcome): void {
    Object.assign(job.view, {
      status: 3,
      percentage: 100,
      errCode,
      errMsg: ERRMSG[errCode] ?? 'error',
      result,
      finishedAt: this.settings.now(),
    });
    job.applying = false;
    // The parsed rows are not needed any more (1,000,000 of them weigh hundreds of MB).
    job.memberRows = undefined;
    job.partyRows = undefined;
    if (corp.running === job) corp.running = undefined;
    job.finish();
    this.sendCallback(corp, job);
  }

  /** Applies the job's file, unless the file as a whole (or an injected failure) fails the job. */
  private *apply(corp: CorpState, job: JobState): Generator<void, JobOutcome> {
    const directory = corp.directory;
    const forced = job.forcedErrcode ?? 0;
    if (job.partyRows) {
      const errCode = forced || directory.checkPartyFile(job.partyRows);
      const result = errCode
        ? job.partyRows.map((r) => ({
            action: 0,
            partyid: Number(r.id) || 0,
            errcode: errCode,
            errmsg: errmsg(errCode),
          }))
        : directory.applyParties(job.partyRows);
      return { errCode, result };
    }
    const rows = job.memberRows as MemberFileRow[];
    const outcome = forced
      ? { errCode: forced }
      : yield* directory.memberJobSteps(
          job.view.type === 'replace_user' ? 'replace' : 'sync',
          rows,
          job.view.type === 'replace_user',
        );
    if (outcome.result) return { errCode: 0, result: outcome.result };
    const result: SimulatedUserResultRow[] = [];
    const failed = { errcode: outcome.errCode, errmsg: errmsg(outcome.errCode) };
    for (const r of rows) {
      result.push({ userid: r.cells.userid ?? '', ...failed });
      yield;
    }
    return { errCode: outcome.errCode, result };
  }

  private sendCallback(corp: CorpState, job: JobState): void {
    const callback = job.callback;
    if (!callback || this.settings.closed()) return;
    if (this.faults.takeCallbackDrop()) {
      job.view.callbackState = 'dropped';
      return;
    }
    job.view.callbackState = 'delivering';
    const { jobId, type: jobType, errCode, errMsg } = job.view;
    const delivery = this.deliverer
      .deliver(
        { jobId, corpId: corp.options.corpId, jobType, errCode, errMsg, callback },
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

function errmsg(errcode: number): string {
  return ERRMSG[errcode] ?? 'error';
}
