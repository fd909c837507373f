import type { JobRunner } from './job-runner.service.js';
import type { Answer, CorpState, HandlerRequest } from './simulator-state.types.js';
import { TimeSlicer } from './time-slice.util.js';

/** Results above this many rows are streamed (chunked transfer), built in time slices. */
const STREAMED_ROWS = 5_000;
/** Rows serialised per written piece of a streamed answer. */
const ROWS_PER_PIECE = 2_000;

/** `batch/getresult`: a job's status and, once done, its per-row results — only for the corp's last 5 jobs. */
export class JobResultHandler {
  constructor(private readonly runner: JobRunner) {}

  /**
   * Answers `batch/getresult?jobid=…`: 40088 for an unknown job, 40089 once five newer jobs exist. A result of
   * more than 5,000 rows is written in pieces (chunked), so a 1,000,000-row answer never holds the event loop.
   */
  getResult(corp: CorpState, { query, fail }: HandlerRequest): Answer {
    const jobId = query.jobid;
    if (!jobId) return fail(40063, 'some parameters are empty: jobid');
    const job = corp.jobsById.get(jobId);
    if (!job) return fail(40088);
    if (!this.runner.resultAvailable(corp, job)) {
      return fail(40089, 'job result expired: only the last 5 jobs are kept');
    }
    const view = this.runner.view(corp, job, false);
    const rows = view.status === 3 ? job.view.result : [];
    const head = {
      errcode: 0,
      errmsg: 'ok',
      status: view.status,
      type: view.type,
      total: view.total,
      percentage: view.percentage,
    };
    if (rows.length <= STREAMED_ROWS) return { status: 200, body: { ...head, result: rows.map((r) => ({ ...r })) } };
    return { status: 200, body: head, stream: resultPieces(head, rows) };
  }
}

/** The JSON of `{ ...head, result: rows }`, in pieces of a few thousand rows, pausing once a time slice is spent. */
async function* resultPieces(head: Record<string, unknown>, rows: readonly object[]): AsyncGenerator<string> {
  const slicer = new TimeSlicer(undefined, 1);
  yield `${JSON.stringify(head).slice(0, -1)},"result":[`;
  for (let start = 0; start < rows.length; start += ROWS_PER_PIECE) {
    const piece = rows.slice(start, start + ROWS_PER_PIECE).map((r) => JSON.stringify(r));
    yield (start > 0 ? ',' : '') + piece.join(',');
    await slicer.tick();
  }
  yield ']}';
}
