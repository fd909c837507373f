import type { RawSimulatorRequest } from './simulator.types.js';

/** Options of `failNext()`. */
export interface FailNextOptions {
  /** The errcode to answer with (HTTP 200), e.g. -1, 45009, 45033, 42001, 302005. */
  errcode: number;
  /** The errmsg text before WeCom's hint. Defaults to WeCom's text for the code. */
  errmsg?: string;
  /**
   * How many consecutive requests to fail.
   * @default 1
   */
  times?: number;
}

/** Options of `failNextHttp()`. */
export interface FailNextHttpOptions {
  /** The HTTP status to answer with, e.g. 502 or 503. */
  status: number;
  /**
   * The plain-text body.
   * @default the status's reason phrase
   */
  body?: string;
  /**
   * How many consecutive requests to fail.
   * @default 1
   */
  times?: number;
}

/** Options of `resetNext()`. */
export interface ResetNextOptions {
  /**
   * How many consecutive requests to cut off.
   * @default 1
   */
  times?: number;
  /**
   * Process the request first (a job IS created, a token IS issued…) and only then destroy the connection
   * instead of answering: the ambiguous failure after which a client must not blindly re-post a submission.
   * @default false (the connection dies before anything happens)
   */
  afterProcessing?: boolean;
}

/** Options of `hangNext()`. */
export interface HangNextOptions {
  /**
   * How many consecutive requests to leave unanswered.
   * @default 1
   */
  times?: number;
  /**
   * Process the request first (a job IS created…) and then never answer: the client's timeout fires after
   * WeCom acted, as when an answer is lost on the way back.
   * @default false (nothing happens at WeCom)
   */
  afterProcessing?: boolean;
}

/** A scripted HTTP answer (`answerNext()`, `respondWith()`). */
export interface SimulatorAnswer {
  /**
   * The HTTP status.
   * @default 200
   */
  status?: number;
  /** An object is sent as JSON (`application/json`), a string as it is (`text/plain`). */
  body: string | Record<string, unknown>;
  /**
   * Wait this long before answering (e.g. to widen a race).
   * @default 0
   */
  delayMs?: number;
}

/** Computes an answer from the request as received (unredacted). */
export type SimulatorResponder = (request: RawSimulatorRequest) => SimulatorAnswer | Promise<SimulatorAnswer>;

/** Settings of the tokens `gettoken` issues from now on (`configureTokens()`). */
export interface TokenSettings {
  /** `expires_in` of the next tokens; they answer 42001 once that much simulated time has passed. */
  ttlSeconds?: number;
  /** Delay of every successful `gettoken` answer (processed at once), e.g. to widen single-flight races. */
  answerDelayMs?: number;
}
