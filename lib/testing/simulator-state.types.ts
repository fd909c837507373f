// The simulator's internal state, shared by its handlers, job runner and facade (not exported publicly).
import type { MemberFileRow, PartyFileRow } from './import-file.parser.js';
import type { SimulatedCorpDirectory } from './simulated-directory.store.js';
import type { SimulatedCorpOptions } from './simulator.options.js';
import type { SimulatedInvitation, SimulatedJob, SimulatedUpload, SimulatorRequest } from './simulator.types.js';

/** An answer before it is written: HTTP status and JSON body. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
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
  timers: NodeJS.Timeout[];
  /** Real time of submission (`performance.now()`), for the running percentage. */
  startedReal: number;
  finished: Promise<void>;
  finish: () => void;
}

/** One simulated corp: credentials, directory, media, jobs and invitations. */
export interface CorpState {
  options: SimulatedCorpOptions;
  secrets: ReadonlySet<string>;
  tagIds: ReadonlySet<number>;
  directory: SimulatedCorpDirectory;
  tokenFetches: number;
  uploads: Map<string, SimulatedUpload>;
  jobs: JobState[];
  jobsById: Map<string, JobState>;
  /** WeCom runs one import per corp at a time (302008 while this is set). */
  running?: JobState;
  invitations: SimulatedInvitation[];
}
