import type { Observable } from 'rxjs';
import type { BatchJobCompletedEvent } from '../../events/batch-job-completed.event.js';
import type { BatchJobProgress } from '../tracking/tracking.types.js';

/** One job of a `BatchJob`: input rows `[firstRow, endRow)` in the file `mediaId` (valid 3 days). */
export interface BatchJobPart {
  index: number;
  mediaId: string;
  firstRow: number;
  endRow: number;
  /** Set once the part was submitted. */
  jobId?: string | undefined;
}

/** What a handle of a split sync follows instead of one job: the whole run. */
export interface BatchRunFollower {
  /** Every part of the run, as far as known (a part's `jobId` is set once it was submitted). */
  readonly parts: readonly BatchJobPart[];
  wait(options?: { timeoutMs?: number | undefined }): Promise<BatchJobCompletedEvent>;
  watch(options?: { timeoutMs?: number | undefined }): Observable<BatchJobProgress>;
}

/** A submitted part, as the run needs it. */
export interface SubmittedPart {
  jobId: string;
}
