import type { JobRunner } from './job-runner.service.js';
import type { Answer, CorpState, HandlerRequest } from './simulator-state.types.js';

/** `batch/getresult`: a job's status and, once done, its per-row results — only for the corp's last 5 jobs. */
export class JobResultHandler {
  constructor(private readonly runner: JobRunner) {}

  /** Answers `batch/getresult?jobid=…`: 40088 for an unknown job, 40089 once five newer jobs exist. */
  getResult(corp: CorpState, { query, fail }: HandlerRequest): Answer {
    const jobId = query.jobid;
    if (!jobId) return fail(40063, 'some parameters are empty: jobid');
    const job = corp.jobsById.get(jobId);
    if (!job) return fail(40088);
    if (!this.runner.resultAvailable(corp, job)) {
      return fail(40089, 'job result expired: only the last 5 jobs are kept');
    }
    const view = this.runner.view(corp, job);
    return {
      status: 200,
      body: {
        errcode: 0,
        errmsg: 'ok',
        status: view.status,
        type: view.type,
        total: view.total,
        percentage: view.percentage,
        result: view.status === 3 ? view.result : [],
      },
    };
  }
}
