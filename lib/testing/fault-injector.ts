import type { SimulatorEndpoint } from './simulator.types.js';

/** A fault queued for an endpoint, consumed by its next `remaining` requests. */
export type EndpointFault =
  | { kind: 'errcode'; errcode: number; errmsg?: string; remaining: number }
  | { kind: 'http'; status: number; body: string; remaining: number }
  | { kind: 'reset'; afterProcessing: boolean; remaining: number }
  | { kind: 'delay'; ms: number; remaining: number };

/**
 * Pending faults. Endpoint faults queue per endpoint and are consumed in the order they were added, one per
 * request, so `failNext(e, -1)` then `failNext(e, 45009)` answers -1 and then 45009. Callback and job
 * faults are consumed by the next jobs that finish / are submitted.
 */
export class FaultInjector {
  private readonly endpoints = new Map<SimulatorEndpoint, EndpointFault[]>();
  private droppedCallbacks = 0;
  private readonly duplicates: number[] = [];
  private readonly jobFailures: Array<{ errcode: number; remaining: number }> = [];

  add(endpoint: SimulatorEndpoint, fault: EndpointFault): void {
    const queue = this.endpoints.get(endpoint) ?? [];
    queue.push(fault);
    this.endpoints.set(endpoint, queue);
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

  dropCallbacks(times: number): void {
    this.droppedCallbacks += times;
  }

  /** True when the next callback must be swallowed. */
  takeCallbackDrop(): boolean {
    if (this.droppedCallbacks === 0) return false;
    this.droppedCallbacks -= 1;
    return true;
  }

  duplicateCallback(copies: number): void {
    this.duplicates.push(copies);
  }

  /** Extra copies to send of the next callback (0 when none were asked for). */
  takeCallbackDuplicates(): number {
    return this.duplicates.shift() ?? 0;
  }

  failJobs(errcode: number, times: number): void {
    this.jobFailures.push({ errcode, remaining: times });
  }

  /** The job-level errcode the next submitted job must finish with, if any. */
  takeJobFailure(): number | undefined {
    const failure = this.jobFailures[0];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.jobFailures.shift();
    return failure.errcode;
  }

  clear(): void {
    this.endpoints.clear();
    this.droppedCallbacks = 0;
    this.duplicates.length = 0;
    this.jobFailures.length = 0;
  }
}
