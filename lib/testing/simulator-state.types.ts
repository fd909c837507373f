// The simulator's internal state, shared by its handlers, job runner and facade (not exported publicly).
import type { ExportSource, MemberSource } from './export-document.writer.js';
import type { MemberFileRow, PartyFileRow } from './import-file.parser.js';
import type { SimulatedCorpDirectory } from './simulated-directory.store.js';
import type { SimulatedCorpOptions } from './simulator.options.js';
import type { SimulatedExportJob, SimulatedTag } from './simulator-export.types.js';
import type { SimulatedInvitation, SimulatedJob, SimulatedUpload, SimulatorRequest } from './simulator.types.js';

/** An answer before it is written: HTTP status and JSON body. */
export interface Answer {
  status: number;
  /** The JSON body — or, with `stream`, its fields besides the streamed ones (for the request log). */
  body: Record<string, unknown>;
  /** The JSON text in pieces, written with backpressure and chunked transfer instead of `body`. */
  stream?: AsyncIterable<string>;
}

/** Builds the answer of a WeCom error: `errcode` with WeCom's errmsg (`detail` replaces its text). */
export type FailAnswer = (errcode: number, detail?: string) => Answer;

/** A request body read up to a cap (`bytes` is undefined when it was larger). */
export interface RequestBody {
  bytes?: Buffer;
  size: number;
}

/** What an endpoint handler gets: the parsed request, its log entry and the error-answer builder. */
export interface HandlerRequest {
  query: Record<string, string>;
  contentType: string | undefined;
  body: RequestBody;
  entry: SimulatorRequest;
  fail: FailAnswer;
}

/** A job's callback settings as submitted (the secrets are never exposed by inspection). */
export interface JobCallback {
  url: string;
  token: string;
  encodingAESKey: string;
}

/** A submitted import job and what is needed to run it. */
export interface JobState {
  /** What inspection shows (cloned on the way out). */
  view: SimulatedJob;
  memberRows?: MemberFileRow[];
  partyRows?: PartyFileRow[];
  callback?: JobCallback;
  /** Job-level ErrCode injected by `failNextJob()`. */
  forcedErrcode?: number;
  /** True while a big file is applied in time slices. */
  applying?: boolean;
  timers: NodeJS.Timeout[];
  /** Real time of submission (`performance.now()`), for the running percentage. */
  startedReal: number;
  finished: Promise<void>;
  finish: () => void;
}

/** A submitted export job: what it reads, its key (never exposed) and its files' byte ranges of records. */
export interface ExportJobState {
  view: SimulatedExportJob;
  source: ExportSource;
  /** AES-256 key from the job's `encoding_aeskey`. */
  aesKey: Buffer;
  /** Records [start, end) of each file. */
  blocks: Array<{ start: number; end: number }>;
  /** Errcode injected by `failNextExport()`: the job ends with status 3. */
  forcedErrcode?: number;
  /** True once processing (the encryption pass) began: it runs once. */
  started: boolean;
  timers: NodeJS.Timeout[];
  finished: Promise<void>;
  finish: () => void;
}

/** A `user/list_id` listing in progress: the (member × department) rows as they were on its first page. */
export interface ListIdSnapshot {
  members: MemberSource;
  createdAt: number;
}

/** One simulated corp: credentials, directory, media, jobs and invitations. */
export interface CorpState {
  options: SimulatedCorpOptions;
  secrets: ReadonlySet<string>;
  tagIds: ReadonlySet<number>;
  /** Tags by id, read by `export/taguser`. */
  tags: ReadonlyMap<number, SimulatedTag>;
  exportJobs: ExportJobState[];
  exportJobsById: Map<string, ExportJobState>;
  /** `restrictDetailReads()`: detail reads answer 48009. */
  detailReadsRestricted: boolean;
  /** `user/list_id` listings by cursor id (the oldest are forgotten). */
  listings: Map<string, ListIdSnapshot>;
  directory: SimulatedCorpDirectory;
  tokenFetches: number;
  uploads: Map<string, SimulatedUpload>;
  jobs: JobState[];
  jobsById: Map<string, JobState>;
  /** WeCom runs one import per corp at a time (302008 while this is set). */
  running?: JobState;
  /** Set while a big submitted file is being read: a second submission meanwhile gets 302008 too. */
  importReserved?: boolean;
  invitations: SimulatedInvitation[];
}
