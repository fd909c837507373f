import type { MirrorCounts } from './mirror-planned.event.js';

/** Payload of `wecom.batch.mirror.applied`: a plan was applied (and verified). Counts and job ids only. */
export class MirrorAppliedEvent {
  corpId!: string;
  /** The jobs and calls that ran, in order. */
  jobs!: Array<{ jobType: string; jobId?: string; errCode: number; failedRows: number }>;
  /** True when every job ran with ErrCode 0 and no failed rows. */
  applied!: boolean;
  /** Members deleted through `user/batchdelete` (0 when the deletions ran as a replace). */
  deletedByBatchDelete!: number;
  /** What still differs after the apply; absent without `verify`. */
  drift?: { empty: boolean; members?: MirrorCounts; departments?: MirrorCounts };
  durationMs!: number;

  constructor(init: MirrorAppliedEvent) {
    Object.assign(this, init);
  }
}
