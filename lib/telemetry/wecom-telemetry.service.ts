import { errcodeOfError, errorTypeOf } from './error-type.util.js';
import { loadOtelApi } from './otel-api.loader.js';
import type {
  OtelApi,
  OtelBatchObservableResult,
  OtelMeter,
  OtelSpan,
  OtelSpanContext,
  OtelTracer,
  TelemetryAttributes,
} from './otel.types.js';
import { createInstruments, type Instruments } from './telemetry-instruments.util.js';
import {
  ATTR,
  type CallbackOutcome,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  type JobOutcome,
  SPAN_NAMES,
} from './telemetry.constants.js';

/** A span being recorded, as the instrumented code sees it (a no-op one when telemetry is off). */
export interface TelemetrySpan {
  /** Adds attributes (ids, counts, types — never a secret or personal data). */
  set(attributes: TelemetryAttributes): void;
  /** Marks the span failed: `error.type` (and `wecom.errcode`) from the error, never its message. */
  fail(error: unknown): void;
  /** The span's context, for links; `undefined` when nothing is recorded. */
  readonly context: OtelSpanContext | undefined;
}

/** A span its starter ends (work that is not one promise, e.g. the rows of an async generator). */
export interface EndableSpan extends TelemetrySpan {
  end(): void;
}

/** What a completed job reports. */
export interface CompletedJobTelemetry {
  corpId: string;
  jobId: string;
  jobType: string;
  submittedAt: number;
  completedAt: number;
  source: string;
  errCode: number;
  failedRows: number;
  /** Refused rows per row errcode. */
  failedByErrcode: ReadonlyMap<number, number>;
}

const NOOP_SPAN: TelemetrySpan = Object.freeze({ set: () => undefined, fail: () => undefined, context: undefined });
/** Submission span contexts kept for the job-life span's link (a job completes within hours; most within one). */
const REMEMBERED_SUBMISSIONS = 1_000;

/**
 * Traces and metrics through `@opentelemetry/api`, and nothing at all without it: every method returns at once
 * when the package is not installed (and costs next to nothing when it is installed but no SDK is registered —
 * the API's no-op tracer and meter). Never starts an SDK; the tracer and meter are named after the package and its
 * version. One instance per process ({@link WECOM_TELEMETRY}) — OpenTelemetry's providers are process-wide too —
 * loaded by the module at bootstrap (`init`), so register your SDK before creating the Nest application.
 */
export class WeComTelemetry {
  private api: OtelApi | undefined;
  private tracer: OtelTracer | undefined;
  private meter: OtelMeter | undefined;
  private instruments: Instruments | undefined;
  private readonly submissions = new Map<string, OtelSpanContext>();

  /** Loads `@opentelemetry/api` if installed and binds the tracer, meter and instruments. True when it is. */
  async init(): Promise<boolean> {
    const api = await loadOtelApi();
    if (!api) return false;
    this.api = api;
    this.tracer = api.trace.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    // Again on every bootstrap: a meter taken before the app registered its MeterProvider stays a no-op for good.
    this.meter = api.metrics.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
    this.instruments = createInstruments(this.meter);
    return true;
  }

  /** True once `@opentelemetry/api` is loaded (an SDK may still be missing: then everything is a no-op). */
  get enabled(): boolean {
    return this.api !== undefined;
  }

  /**
   * Runs `fn` inside an internal span `name` (the active span while it runs): ended when `fn` settles, marked
   * failed when it rejects. Without the API, just runs `fn`.
   */
  async span<T>(
    name: string,
    attributes: TelemetryAttributes,
    fn: (span: TelemetrySpan) => Promise<T>,
    kind: 'internal' | 'client' = 'internal',
  ): Promise<T> {
    const { api, tracer } = this;
    if (!api || !tracer) return fn(NOOP_SPAN);
    const span = tracer.startSpan(name, {
      kind: kind === 'client' ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL,
      attributes,
    });
    // No tracer provider registered (the API without an SDK): a span that is not recording and has no trace
    // has nothing to propagate — skip the context copy and the NOOP wrappers (every callback delivery comes here).
    // A span an SDK sampled out still has a valid context, and is propagated so its children follow its decision.
    if (!span.isRecording() && !api.trace.isSpanContextValid(span.spanContext())) return fn(NOOP_SPAN);
    const scope = wrap(api, span);
    try {
      return await api.context.with(api.trace.setSpan(api.context.active(), span), () => fn(scope));
    } catch (error) {
      scope.fail(error);
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * Starts an internal span `name` (a child of the active one) that the caller ends — for work that is not one
   * promise, like reading an export file row by row. `undefined` when nothing would be recorded (no API, no SDK,
   * not sampled), so the caller can skip its bookkeeping.
   */
  startSpan(name: string, attributes: TelemetryAttributes): EndableSpan | undefined {
    const { api, tracer } = this;
    if (!api || !tracer) return undefined;
    const span = tracer.startSpan(name, { kind: api.SpanKind.INTERNAL, attributes });
    if (!span.isRecording()) {
      span.end();
      return undefined;
    }
    return { ...wrap(api, span), end: () => span.end() };
  }

  /** Remembers the submission span of `jobId`, so the job-life span can link to it. */
  rememberSubmission(jobId: string, span: TelemetrySpan): void {
    if (!span.context) return;
    this.submissions.set(jobId, span.context);
    if (this.submissions.size > REMEMBERED_SUBMISSIONS) {
      this.submissions.delete(this.submissions.keys().next().value as string);
    }
  }

  /** A job WeCom accepted. */
  jobSubmitted(corpId: string, jobType: string): void {
    this.instruments?.jobsSubmitted.add(1, { [ATTR.corpId]: corpId, [ATTR.jobType]: jobType });
  }

  /**
   * A completed job: its duration, outcome and refused rows as metrics, and a `wecom.batch.job` span covering
   * its life (from the submission's time to the completion's), linked to the submission span when this process
   * submitted it. The span is recorded at the end, not held open: a job may complete on another instance or
   * after a restart.
   */
  jobCompleted(job: CompletedJobTelemetry): void {
    const { api, tracer, instruments } = this;
    if (!api || !tracer || !instruments) return;
    const outcome: JobOutcome = job.errCode !== 0 ? 'failed' : job.failedRows > 0 ? 'failed_rows' : 'succeeded';
    const labels = {
      [ATTR.corpId]: job.corpId,
      [ATTR.jobType]: job.jobType,
      [ATTR.jobOutcome]: outcome,
      [ATTR.completionSource]: job.source,
    };
    instruments.jobsCompleted.add(1, labels);
    instruments.jobDuration.record(Math.max(0, job.completedAt - job.submittedAt) / 1000, labels);
    let counted = 0;
    for (const [errcode, count] of job.failedByErrcode) {
      counted += count;
      instruments.failedRows.add(count, {
        [ATTR.corpId]: job.corpId,
        [ATTR.jobType]: job.jobType,
        [ATTR.errcode]: errcode,
      });
    }
    // Rows counted without their errcodes at hand (rows not fetched, or kept in the store only).
    if (job.failedRows > counted) {
      instruments.failedRows.add(job.failedRows - counted, { [ATTR.corpId]: job.corpId, [ATTR.jobType]: job.jobType });
    }
    const submission = this.submissions.get(job.jobId);
    this.submissions.delete(job.jobId);
    const span = tracer.startSpan(SPAN_NAMES.job, {
      kind: api.SpanKind.INTERNAL,
      startTime: job.submittedAt,
      links: submission ? [{ context: submission }] : [],
      attributes: {
        ...labels,
        [ATTR.jobId]: job.jobId,
        [ATTR.errcode]: job.errCode,
        [ATTR.failedRows]: job.failedRows,
      },
    });
    if (job.errCode !== 0) span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.end(Math.max(job.completedAt, job.submittedAt));
  }

  /** A callback delivery and how it ended (`reason`: the refusal reason of a rejected one). */
  callbackDelivery(outcome: CallbackOutcome, reason?: string): void {
    this.instruments?.callbackDeliveries.add(1, { [ATTR.callbackOutcome]: outcome, [ATTR.callbackReason]: reason });
  }

  /** A failed WeCom HTTP exchange (one per attempt). */
  apiError(endpoint: string, error: unknown): void {
    this.instruments?.apiErrors.add(1, {
      [ATTR.endpoint]: endpoint,
      [ATTR.errcode]: errcodeOfError(error),
      'error.type': errorTypeOf(error),
    });
  }

  /** A `gettoken` fetch and how it ended. */
  tokenRefresh(corpId: string, error?: unknown): void {
    this.instruments?.tokenRefreshes.add(1, {
      [ATTR.corpId]: corpId,
      [ATTR.tokenOutcome]: error === undefined ? 'success' : 'failure',
      'error.type': error === undefined ? undefined : errorTypeOf(error),
    });
  }

  /**
   * Reports the pending jobs of a corp on every metric collection (`wecom.batch.jobs.pending` and the age of
   * the oldest). Returns the function that stops it (call it at shutdown).
   */
  observePending(corpId: string, read: () => Promise<{ count: number; oldestAgeSeconds: number }>): () => void {
    const { meter, instruments } = this;
    if (!meter || !instruments) return () => undefined;
    const gauges = [instruments.jobsPending, instruments.oldestPendingAge];
    const callback = async (result: OtelBatchObservableResult): Promise<void> => {
      try {
        const { count, oldestAgeSeconds } = await read();
        result.observe(instruments.jobsPending, count, { [ATTR.corpId]: corpId });
        result.observe(instruments.oldestPendingAge, oldestAgeSeconds, { [ATTR.corpId]: corpId });
      } catch {
        // Store down: no observation this round (the health indicator reports the store).
      }
    };
    meter.addBatchObservableCallback(callback, gauges);
    return () => meter.removeBatchObservableCallback(callback, gauges);
  }
}

function wrap(api: OtelApi, span: OtelSpan): TelemetrySpan {
  return {
    set: (attributes) => span.setAttributes(attributes),
    fail: (error) => {
      const errcode = errcodeOfError(error);
      span.setAttributes({ 'error.type': errorTypeOf(error), [ATTR.errcode]: errcode });
      span.setStatus({ code: api.SpanStatusCode.ERROR });
    },
    context: span.isRecording() ? span.spanContext() : undefined,
  };
}

/** The process's telemetry (see {@link WeComTelemetry}). */
export const WECOM_TELEMETRY = new WeComTelemetry();
