import type {
  BatchJobCompletionSource,
  BatchPartyResultRow,
  BatchResultRow,
  BatchUserResultRow,
  ExportJobType,
  TrackedJobType,
} from '../model/batch-job.types.js';
import { iterateResultRows } from './result-rows.util.js';

/** What every completion carries, whatever the job type; `Row` is the type of its result rows. */
interface BatchJobCompletedEventBase<Row extends BatchResultRow = BatchResultRow> {
  corpId: string;
  /** The `name` of the registration that followed the job (absent for the unnamed registration). */
  registration?: string | undefined;
  jobId: string;
  /** Job-level result code: 0 means the job ran (rows may still have failed — see `failedRows`). */
  errCode: number;
  errMsg: string;
  /** Whether the callback or `getresult` polling reported the completion. */
  source: BatchJobCompletionSource;
  completedAt: Date;
  /** Rows whose `errcode ≠ 0` (0 when `result` is absent). */
  failedRows: number;
  /** Result rows of the job (inline or kept in the store's chunks); absent when WeCom gave none. */
  totalRows?: number | undefined;
  /**
   * Every result row, in WeCom's order, for a job of any size: `result` when the payload has it (jobs of up
   * to 10,000 rows), else read from the store chunk by chunk (a few thousand rows at a time — a 1,000,000-row
   * result is never one array; for a split sync's `wait()`, every part's rows in turn). Each call starts from the
   * first row. Rejects with `WeComStoreError` when the stored rows expired (`jobRecordTtlSeconds`).
   *
   * ```ts
   * for await (const row of event.rows()) if (row.errcode !== 0) report(row);
   * ```
   */
  rows(): AsyncIterable<Row>;
  /** Every failed row (`errcode ≠ 0`), read like `rows()` (`failed` has the first 10,000 at hand). */
  failures(): AsyncIterable<Row>;
}

/** The member import job types: their rows are `BatchUserResultRow`s. */
type UserJobType = 'sync_user' | 'replace_user';

/**
 * The completion of a member import (`sync_user`, `replace_user`): `result` holds user rows. Generic over the job
 * type so the union below has one member per type, and `jobType === 'sync_user'` alone narrows it.
 */
export interface BatchUserJobCompletedEvent<
  T extends UserJobType = UserJobType,
> extends BatchJobCompletedEventBase<BatchUserResultRow> {
  /** The job type as WeCom reported it. */
  jobType: T;
  /**
   * Per-row results from `batch/getresult`, persisted with the job record. Absent when result fetching is off
   * or WeCom no longer had them (40089: only the last 5 jobs are kept).
   */
  result?: BatchUserResultRow[] | undefined;
  /** The rows with `errcode ≠ 0` (when the rows are kept in chunks: the first of them). */
  failed?: BatchUserResultRow[] | undefined;
}

/** The completion of a department import (`replace_party`): `result` holds department rows. */
export interface BatchPartyJobCompletedEvent extends BatchJobCompletedEventBase<BatchPartyResultRow> {
  /** The job type as WeCom reported it. */
  jobType: 'replace_party';
  /** Per-row results, with the `action` bitmask decoded. Absent as for member imports. */
  result?: BatchPartyResultRow[] | undefined;
  /** The rows with `errcode ≠ 0` (when the rows are kept in chunks: the first of them). */
  failed?: BatchPartyResultRow[] | undefined;
}

/**
 * The completion of an export job (`export_user`, `export_simple_user`, `export_department`, `export_taguser`).
 * Exports have no per-row results (`rows()` yields nothing): read the exported rows with `ExportJob.rows()` /
 * `batch.readExport(jobId)`.
 */
export interface BatchExportJobCompletedEvent<
  T extends ExportJobType = ExportJobType,
> extends BatchJobCompletedEventBase<never> {
  /** The export's job type. */
  jobType: T;
  /** Never set for an export. */
  result?: undefined;
  /** Never set for an export. */
  failed?: undefined;
}

/**
 * Payload of `wecom.batch.job.completed` (exactly once per job, cluster-wide) and of `wecom.batch.job.failed`
 * (emitted after `completed` when `errCode ≠ 0` or `failedRows > 0`).
 *
 * A union discriminated by `jobType`, so checking the type narrows `result`:
 *
 * ```ts
 * @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
 * onCompleted(event: BatchJobCompletedEvent) {
 *   if (event.jobType === 'sync_user' || event.jobType === 'replace_user') {
 *     const userids = event.result?.map((row) => row.userid); // BatchUserResultRow
 *   } else if (event.jobType === 'replace_party') {
 *     const created = event.result?.filter((row) => row.actions.created); // BatchPartyResultRow
 *   }
 * }
 * ```
 *
 * `BatchJobCompletedEvent` is also a class at run time (`event instanceof BatchJobCompletedEvent` holds for every
 * payload the module emits); the payload is frozen, rows included.
 */
export type BatchJobCompletedEvent =
  | BatchUserJobCompletedEvent<'sync_user'>
  | BatchUserJobCompletedEvent<'replace_user'>
  | BatchPartyJobCompletedEvent
  | { [T in ExportJobType]: BatchExportJobCompletedEvent<T> }[ExportJobType];

// Every job type the module tracks has its member of the union (fails to compile when a new type has none).
type _EveryJobTypeCompletes = TrackedJobType extends BatchJobCompletedEvent['jobType'] ? true : never;
const _everyJobTypeCompletes: _EveryJobTypeCompletes = true;
void _everyJobTypeCompletes;

/**
 * What the module builds a completion from: a job type and rows as they were stored, not yet matched to each
 * other. `new BatchJobCompletedEvent(init)` pairs them (internal: the tracker knows a job's rows are of its type).
 */
export interface BatchJobCompletedEventInit extends Omit<BatchJobCompletedEventBase, 'rows' | 'failures'> {
  jobType: TrackedJobType;
  result?: BatchResultRow[] | undefined;
  failed?: BatchResultRow[] | undefined;
}

/** The constructor side of {@link BatchJobCompletedEvent}. */
export interface BatchJobCompletedEventConstructor {
  new (init: BatchJobCompletedEventInit): BatchJobCompletedEvent;
  readonly prototype: BatchJobCompletedEvent;
}

/**
 * The runtime class of {@link BatchJobCompletedEvent}: for `instanceof` checks and for the module to build
 * payloads. A value and a type of the same name, like a class, so `import { BatchJobCompletedEvent }` gives both.
 */
export const BatchJobCompletedEvent: BatchJobCompletedEventConstructor = class BatchJobCompletedEvent {
  constructor(init: BatchJobCompletedEventInit) {
    Object.assign(this, init);
  }

  rows(): AsyncIterable<BatchResultRow> {
    return iterateResultRows(this as { result?: BatchResultRow[] }, false);
  }

  failures(): AsyncIterable<BatchResultRow> {
    return iterateResultRows(this as { result?: BatchResultRow[] }, true);
  }
} as unknown as BatchJobCompletedEventConstructor;
