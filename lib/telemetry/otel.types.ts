// The part of `@opentelemetry/api` this package uses, as local structural types. The package's .d.ts files must
// not name '@opentelemetry/api' (an optional peer dependency): an app without it would fail to type-check them.
// `@opentelemetry/api` 1.x satisfies these shapes (checked by lib/telemetry/otel.types.spec.ts).

/** Attribute values the package sets: strings, numbers, booleans. */
export type TelemetryAttributes = Record<string, string | number | boolean | undefined>;

/** `SpanContext` of the API (only what links need). */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** `Span` of the API. */
export interface OtelSpan {
  setAttributes(attributes: TelemetryAttributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  addEvent(name: string, attributes?: TelemetryAttributes): unknown;
  spanContext(): OtelSpanContext;
  isRecording(): boolean;
  end(endTime?: number | Date): void;
}

/** `SpanOptions` of the API. */
export interface OtelSpanOptions {
  kind?: number;
  attributes?: TelemetryAttributes;
  links?: Array<{ context: OtelSpanContext; attributes?: TelemetryAttributes }>;
  startTime?: number | Date;
}

/** `Tracer` of the API. */
export interface OtelTracer {
  startSpan(name: string, options?: OtelSpanOptions, context?: unknown): OtelSpan;
}

/** The synchronous instruments of the API. */
export interface OtelCounter {
  add(value: number, attributes?: TelemetryAttributes): void;
}
export interface OtelHistogram {
  record(value: number, attributes?: TelemetryAttributes): void;
}

/** `ObservableResult` / `BatchObservableResult` of the API. */
export interface OtelBatchObservableResult {
  observe(instrument: unknown, value: number, attributes?: TelemetryAttributes): void;
}

/** Options of an instrument. */
export interface OtelInstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** `Meter` of the API. */
export interface OtelMeter {
  createCounter(name: string, options?: OtelInstrumentOptions): OtelCounter;
  createHistogram(name: string, options?: OtelInstrumentOptions): OtelHistogram;
  createObservableGauge(name: string, options?: OtelInstrumentOptions): object;
  addBatchObservableCallback(
    callback: (result: OtelBatchObservableResult) => void | Promise<void>,
    observables: object[],
  ): void;
  removeBatchObservableCallback(
    callback: (result: OtelBatchObservableResult) => void | Promise<void>,
    observables: object[],
  ): void;
}

/** The module `@opentelemetry/api` (the members used). */
export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer;
    setSpan(context: unknown, span: OtelSpan): unknown;
    getActiveSpan(): OtelSpan | undefined;
    isSpanContextValid(spanContext: OtelSpanContext): boolean;
  };
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  context: { active(): unknown; with<R>(context: unknown, fn: () => R): R };
  SpanKind: { INTERNAL: number; SERVER: number; CLIENT: number; PRODUCER: number; CONSUMER: number };
  SpanStatusCode: { UNSET: number; OK: number; ERROR: number };
}
