import { WeComSimulatorExports } from './simulator-exports.facade.js';
import type * as F from './simulator-faults.types.js';
import { resolveSimulatorOptions, type WeComSimulatorOptions } from './simulator.options.js';
import type * as T from './simulator.types.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/**
 * A local, in-memory WeCom (企业微信) for tests: `gettoken`, `media/upload`, `batch/syncuser`,
 * `batch/replaceuser`, `batch/replaceparty`, `batch/getresult` and `batch/invite`; the export family
 * `export/simple_user|user|department|taguser` + `export/get_result` with really encrypted files on its own
 * file URLs; `user/list_id`, `department/simplelist`, `department/list`, `user/get` and `user/batchdelete` —
 * with WeCom's request and answer shapes and errcodes, import jobs applied to a simulated directory by WeCom's
 * rules (big files in time slices), encrypted `batch_job_result` callbacks retried like WeCom (imports to their
 * `callback`, exports to the corp's console callback), fault injection and inspection.
 *
 * ```ts
 * const sim = await WeComSimulator.start({ corps: [{ corpId: 'wwcorp', corpSecret: 'secret' }] });
 * // point WeComBatchModule's apiBaseUrl at sim.baseUrl …
 * await sim.close();
 * ```
 *
 * Behaviour WeCom leaves undocumented is decided as follows (see also `WeComSimulatorOptions`):
 * - a file-level problem (not UTF-8, not CSV, no data rows, a required column missing) is answered 40092
 *   by the submission itself; a file that is readable but invalid as a whole (duplicate userid 302003,
 *   invalid tree 302004, duplicate partyid 302006, sibling name clash 302007) is accepted and the job
 *   finishes with that job-level `ErrCode`, nothing applied and every result row carrying the code;
 * - an empty cell leaves the field unchanged in syncuser and clears it in replaceuser (the file wins);
 * - department deletions do not appear in replaceparty results;
 * - each `gettoken` issues a new token; earlier ones stay valid until they expire;
 * - exports: a bad `encoding_aeskey` or `block_size` is 40058 (missing: 40063), an unknown or non-integer
 *   `tagid` 40068; a POSTed `export/get_result` is refused like every wrong method, 40063; an unknown jobid is
 *   40088; each file is one block of records (an empty export still has one file with an empty list); every
 *   `get_result` hands out fresh URLs; an expired URL answers HTTP 403, an unknown one 404; `export/user`
 *   writes `""` for fields a member does not have and leaves out the corp's `withheldFields`;
 * - `user/list_id` ends with `next_cursor: ""`; `user/batchdelete` is all or nothing (60111 for an unknown
 *   userid, 301005 for the creator) and answers `errmsg: "deleted"`.
 */
export class WeComSimulator extends WeComSimulatorExports {
  private get faults() {
    return this.parts.faults;
  }

  private get corps() {
    return this.parts.corps;
  }

  /** Starts a simulator on 127.0.0.1. Throws a `WeComSimulatorError` listing every problem of invalid options. */
  static async start(options: WeComSimulatorOptions): Promise<WeComSimulator> {
    const { resolved, problems } = resolveSimulatorOptions(options);
    if (problems.length) throw new WeComSimulatorError('Invalid WeComSimulator options', problems);
    const simulator = new WeComSimulator(resolved);
    await simulator.parts.server.listen(resolved.port);
    return simulator;
  }

  /** Base URL to use as the module's `apiBaseUrl`, e.g. `http://127.0.0.1:40123` (endpoints under `/cgi-bin/`). */
  get baseUrl(): string {
    return this.parts.server.baseUrl;
  }

  /**
   * Stops listening, drops open connections, stops running jobs and aborts callback deliveries in flight:
   * nothing the simulator started keeps the process alive afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.parts.runner.close(this.corps.select());
    this.parts.exportRunner.close(this.corps.select());
    this.parts.deliverer.close();
    await this.parts.server.close();
  }

  // ───────────────────────────── inspection ─────────────────────────────

  /** The corp's departments and members now (a copy). `corpId` defaults to the first corp. */
  directory(corpId?: string): T.SimulatedDirectory {
    return this.corps.get(corpId).directory.snapshot();
  }

  /** The corp's import jobs, oldest first (copies). */
  jobs(corpId?: string): T.SimulatedJob[] {
    const corp = this.corps.get(corpId);
    return corp.jobs.map((job) => this.parts.runner.view(corp, job));
  }

  /** The corp's uploaded media, oldest first, with their bytes. */
  uploads(corpId?: string): T.SimulatedUpload[] {
    return [...this.corps.get(corpId).uploads.values()].map((u) => ({ ...u, bytes: Buffer.from(u.bytes) }));
  }

  /** How many access tokens `gettoken` issued for the corp (to assert single-flight refreshes). */
  tokenFetches(corpId?: string): number {
    return this.corps.get(corpId).tokenFetches;
  }

  /** Every access token issued (by `gettoken` or `issueToken()`), of one corp or all, oldest first. */
  issuedTokens(corpId?: string): string[] {
    return this.parts.tokens.issued(corpId);
  }

  /** The corp's successful `batch/invite` calls. */
  invitations(corpId?: string): T.SimulatedInvitation[] {
    return this.corps.get(corpId).invitations.map((i) => structuredClone(i));
  }

  /** Every callback attempt so far (all corps), oldest first; only those of `jobId` when given. */
  deliveries(jobId?: string): T.CallbackDelivery[] {
    const all = this.parts.deliverer.deliveries();
    return jobId === undefined ? all : all.filter((d) => d.jobId === jobId);
  }

  /** Every request received, oldest first; only those of `endpoint` when given. Secrets appear as `'***'`. */
  requests(endpoint?: T.SimulatorEndpoint): T.SimulatorRequest[] {
    return this.parts.log.requests(endpoint);
  }

  /** Like `requests()`, unredacted, with the request target, headers and body bytes as received. */
  rawRequests(endpoint?: T.SimulatorEndpoint): T.RawSimulatorRequest[] {
    return this.parts.log.rawRequests(endpoint);
  }

  /**
   * Resolves once every scheduled job has finished and every callback delivery has ended (jobs held by
   * `jobDelayMs: Infinity` are not waited for).
   */
  async settled(): Promise<void> {
    await Promise.all([this.parts.runner.settled(), this.parts.exportRunner.settled()]);
    // An export finishing may start a delivery after the runners were idle: wait for both once more.
    await this.parts.runner.settled();
  }

  /**
   * Finishes the running import jobs now (of one corp, or all), e.g. with `jobDelayMs: Infinity`, and starts
   * processing the pending export jobs (they reach status 2 once their files are encrypted: await `settled()`).
   */
  completeJobs(corpId?: string): void {
    this.parts.runner.completeJobs(this.corps.select(corpId));
    this.parts.exportRunner.completeJobs(this.corps.select(corpId));
  }

  // ───────────────────────────── faults ─────────────────────────────

  /**
   * The next `times` requests of `endpoint` are answered with `errcode` (HTTP 200) and not processed.
   * Faults of one endpoint queue up and are consumed in order.
   */
  failNext(endpoint: T.SimulatorEndpoint, options: F.FailNextOptions): void {
    this.faults.failNext(endpoint, options);
  }

  /** The next `times` requests of `endpoint` get HTTP `status` with a plain-text body, unprocessed. */
  failNextHttp(endpoint: T.SimulatorEndpoint, options: F.FailNextHttpOptions): void {
    this.faults.failNextHttp(endpoint, options);
  }

  /** The next `times` requests of `endpoint` have their connection destroyed instead of an answer. */
  resetNext(endpoint: T.SimulatorEndpoint, options: F.ResetNextOptions = {}): void {
    this.faults.resetNext(endpoint, options);
  }

  /** The next `times` requests of `endpoint` are read and never answered (the client's timeout fires). */
  hangNext(endpoint: T.SimulatorEndpoint, options: F.HangNextOptions = {}): void {
    this.faults.hangNext(endpoint, options);
  }

  /** The next `times` requests of `endpoint` are processed at once but answered `ms` later. */
  delayNext(endpoint: T.SimulatorEndpoint, ms: number, times = 1): void {
    this.faults.delayNext(endpoint, 'delay', ms, times);
  }

  /** The next `times` requests of `endpoint` are processed at once; headers go out, the body trickles over `ms`. */
  slowBodyNext(endpoint: T.SimulatorEndpoint, ms: number, times = 1): void {
    this.faults.delayNext(endpoint, 'slowBody', ms, times);
  }

  /** The next `times` requests of `endpoint` get `answer` (or what it computes), unprocessed, unchecked. */
  answerNext(endpoint: T.SimulatorEndpoint, answer: F.SimulatorAnswer | F.SimulatorResponder, times = 1): void {
    this.faults.answerNext(endpoint, answer, times);
  }

  /**
   * From now on `endpoint` — or any path under `/cgi-bin/`, e.g. `'user/get'` — is answered by `responder`
   * after the access-token check instead of being processed; `undefined` restores the normal processing.
   * Queued faults still come first.
   */
  respondWith(endpoint: T.SimulatorEndpoint | (string & {}), responder: F.SimulatorResponder | undefined): void {
    this.parts.router.respondWith(endpoint, responder);
  }

  /** The next `times` finished jobs send no callback at all (their `callbackState` is `dropped`). */
  dropNextCallback(times = 1): void {
    this.faults.dropCallbacks(times);
  }

  /** The next job's callback is sent `copies` more times, each freshly encrypted, as WeCom re-sends. */
  duplicateNextCallback(copies = 1): void {
    this.faults.duplicateCallback(copies);
  }

  /** The next `times` jobs finish with job-level `ErrCode` `errcode` (e.g. 302005) and change nothing. */
  failNextJob(errcode = 302005, times = 1): void {
    this.faults.failJobs(errcode, times);
  }

  /** Expires every token issued so far (of one corp, or all): their next use answers 42001. */
  expireTokens(corpId?: string): void {
    this.parts.tokens.invalidate('expire', corpId);
  }

  /** Invalidates every token issued so far (of one corp, or all), as WeCom may do early: 40014 on next use. */
  revokeTokens(corpId?: string): void {
    this.parts.tokens.invalidate('revoke', corpId);
  }

  /** A valid token of the corp issued without a request — as another instance would have fetched it. */
  issueToken(corpId?: string): string {
    return this.parts.tokens.issue(this.corps.get(corpId));
  }

  /** Lifetime (`expires_in`) and answer delay of the tokens `gettoken` issues from now on. */
  configureTokens(settings: F.TokenSettings): void {
    this.parts.tokens.configure(settings);
  }

  /** Forgets every pending fault (endpoint, callback and job faults; `respondWith()` responders stay). */
  clearFaults(): void {
    this.faults.clear();
  }
}
