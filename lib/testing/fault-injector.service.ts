import type {
  FailNextHttpOptions,
  FailNextOptions,
  HangNextOptions,
  ResetNextOptions,
  SimulatorAnswer,
  SimulatorResponder,
} from './simulator-faults.types.js';
import { SIMULATOR_ENDPOINTS, type SimulatorEndpoint } from './simulator.types.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/** A fault queued for an endpoint, consumed by its next `remaining` requests. */
export type EndpointFault =
  | { kind: 'errcode'; errcode: number; errmsg?: string; remaining: number }
  | { kind: 'http'; status: number; body: string; remaining: number }
  | { kind: 'reset'; afterProcessing: boolean; remaining: number }
  | { kind: 'hang'; afterProcessing: boolean; remaining: number }
  | { kind: 'delay'; ms: number; remaining: number }
  | { kind: 'slowBody'; ms: number; remaining: number }
  | { kind: 'answer'; answer: SimulatorAnswer | SimulatorResponder; remaining: number };

/** A fault of the next served export file: a flipped byte, a short file, or a connection cut mid-body. */
export interface DownloadFault {
  kind: 'corrupt' | 'truncate' | 'reset';
  /** `reset`: body bytes sent before the connection is destroyed (default: half of what was asked). */
  afterBytes?: number;
  remaining: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Pending faults, with the argument checks of the simulator's fault-injection methods. Endpoint faults queue
 * per endpoint and are consumed in the order they were added, one per request, so `failNext(e, -1)` then
 * `failNext(e, 45009)` answers -1 and then 45009. Callback and job faults are consumed by the next jobs that
 * finish / are submitted.
 */
export class FaultInjector {
  private readonly endpoints = new Map<SimulatorEndpoint, EndpointFault[]>();
  private droppedCallbacks = 0;
  private readonly duplicates: number[] = [];
  private readonly jobFailures: Array<{ errcode: number; remaining: number }> = [];
  private readonly exportFailures: Array<{ errcode: number; remaining: number }> = [];
  private readonly downloads: DownloadFault[] = [];

  /** See `WeComSimulator.failNext()`. */
  failNext(endpoint: SimulatorEndpoint, options: FailNextOptions): void {
    if (!Number.isInteger(options?.errcode) || options.errcode === 0) {
      throw new WeComSimulatorError('failNext: errcode must be a non-zero integer');
    }
    this.queue(endpoint, { kind: 'errcode', errcode: options.errcode, errmsg: options.errmsg }, options.times);
  }

  /** See `WeComSimulator.failNextHttp()`. */
  failNextHttp(endpoint: SimulatorEndpoint, options: FailNextHttpOptions): void {
    if (!Number.isInteger(options?.status) || options.status < 200 || options.status > 599 || options.status === 200) {
      throw new WeComSimulatorError('failNextHttp: status must be an HTTP status other than 200');
    }
    const body = options.body ?? `${options.status}`;
    this.queue(endpoint, { kind: 'http', status: options.status, body }, options.times);
  }

  /** See `WeComSimulator.resetNext()`. */
  resetNext(endpoint: SimulatorEndpoint, options: ResetNextOptions = {}): void {
    this.queue(endpoint, { kind: 'reset', afterProcessing: options.afterProcessing === true }, options.times);
  }

  /** See `WeComSimulator.hangNext()`. */
  hangNext(endpoint: SimulatorEndpoint, options: HangNextOptions = {}): void {
    this.queue(endpoint, { kind: 'hang', afterProcessing: options.afterProcessing === true }, options.times);
  }

  /** See `WeComSimulator.delayNext()` and `slowBodyNext()`. */
  delayNext(endpoint: SimulatorEndpoint, kind: 'delay' | 'slowBody', ms: number, times = 1): void {
    const name = kind === 'delay' ? 'delayNext' : 'slowBodyNext';
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new WeComSimulatorError(`${name}: ms must be a number ≥ 0`);
    this.queue(endpoint, { kind, ms }, times);
  }

  /** See `WeComSimulator.answerNext()`. */
  answerNext(endpoint: SimulatorEndpoint, answer: SimulatorAnswer | SimulatorResponder, times = 1): void {
    if (typeof answer !== 'function') checkAnswer('answerNext', answer);
    this.queue(endpoint, { kind: 'answer', answer }, times);
  }

  /** The fault that shapes the next request of `endpoint`, if any. */
  take(endpoint: SimulatorEndpoint): EndpointFault | undefined {
    const queue = this.endpoints.get(endpoint);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.shift();
    return { ...fault };
  }

  /** See `WeComSimulator.dropNextCallback()`. */
  dropCallbacks(times = 1): void {
    this.droppedCallbacks += count('dropNextCallback', times);
  }

  /** True when the next callback must be swallowed. */
  takeCallbackDrop(): boolean {
    if (this.droppedCallbacks === 0) return false;
    this.droppedCallbacks -= 1;
    return true;
  }

  /** See `WeComSimulator.duplicateNextCallback()`. */
  duplicateCallback(copies = 1): void {
    this.duplicates.push(count('duplicateNextCallback', copies));
  }

  /** Extra copies to send of the next callback (0 when none were asked for). */
  takeCallbackDuplicates(): number {
    return this.duplicates.shift() ?? 0;
  }

  /** See `WeComSimulator.failNextJob()`. */
  failJobs(errcode = 302005, times = 1): void {
    if (!Number.isInteger(errcode) || errcode === 0) {
      throw new WeComSimulatorError('failNextJob: errcode must be a non-zero integer');
    }
    this.jobFailures.push({ errcode, remaining: count('failNextJob', times) });
  }

  /** The job-level errcode the next submitted job must finish with, if any. */
  takeJobFailure(): number | undefined {
    const failure = this.jobFailures[0];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.jobFailures.shift();
    return failure.errcode;
  }

  /** See `WeComSimulator.failNextExport()`. */
  failExports(errcode = -1, times = 1): void {
    if (!Number.isInteger(errcode) || errcode === 0) {
      throw new WeComSimulatorError('failNextExport: errcode must be a non-zero integer');
    }
    this.exportFailures.push({ errcode, remaining: count('failNextExport', times) });
  }

  /** The errcode the next submitted export must fail with (status 3), if any. */
  takeExportFailure(): number | undefined {
    const failure = this.exportFailures[0];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.exportFailures.shift();
    return failure.errcode;
  }

  /** See `corruptNextExportFile()`, `truncateNextExportFile()`, `resetNextDownload()`. */
  downloadFault(fault: Omit<DownloadFault, 'remaining'>, times = 1): void {
    const name = { corrupt: 'corruptNextExportFile', truncate: 'truncateNextExportFile', reset: 'resetNextDownload' };
    if (fault.afterBytes !== undefined && !(Number.isInteger(fault.afterBytes) && fault.afterBytes >= 0)) {
      throw new WeComSimulatorError('resetNextDownload: afterBytes must be an integer ≥ 0');
    }
    this.downloads.push({ ...fault, remaining: count(name[fault.kind], times) });
  }

  /** The fault that shapes the next served export file, if any (queued faults apply in order). */
  takeDownloadFault(): DownloadFault | undefined {
    const fault = this.downloads[0];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.downloads.shift();
    return { ...fault };
  }

  /** Forgets every pending fault (endpoint, callback, job, export and download faults). */
  clear(): void {
    this.exportFailures.length = 0;
    this.downloads.length = 0;
    this.endpoints.clear();
    this.droppedCallbacks = 0;
    this.duplicates.length = 0;
    this.jobFailures.length = 0;
  }

  private queue(endpoint: SimulatorEndpoint, fault: DistributiveOmit<EndpointFault, 'remaining'>, times = 1): void {
    checkEndpoint(endpoint);
    const queue = this.endpoints.get(endpoint) ?? [];
    queue.push({ ...fault, remaining: count('times', times) } as EndpointFault);
    this.endpoints.set(endpoint, queue);
  }
}

/** Throws unless `endpoint` is one the simulator serves. */
export function checkEndpoint(endpoint: string): asserts endpoint is SimulatorEndpoint {
  if (!SIMULATOR_ENDPOINTS.includes(endpoint as SimulatorEndpoint)) {
    throw new WeComSimulatorError(`Unknown endpoint ${String(endpoint)}; one of: ${SIMULATOR_ENDPOINTS.join(', ')}`);
  }
}

/** Throws unless `answer` is a scripted answer the simulator can write. */
export function checkAnswer(name: string, answer: SimulatorAnswer): void {
  const status = answer?.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new WeComSimulatorError(`${name}: status must be an HTTP status from 200 to 599`);
  }
  if (typeof answer.body !== 'string' && (typeof answer.body !== 'object' || answer.body === null)) {
    throw new WeComSimulatorError(`${name}: body must be a string or an object`);
  }
  if (answer.delayMs !== undefined && !(answer.delayMs >= 0 && Number.isFinite(answer.delayMs))) {
    throw new WeComSimulatorError(`${name}: delayMs must be a number ≥ 0`);
  }
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new WeComSimulatorError(`${name}: must be an integer ≥ 1`);
  return value;
}
