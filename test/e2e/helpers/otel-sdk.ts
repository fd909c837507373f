import { context, metrics, trace, type Attributes, type AttributeValue, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RecordedText } from '../../setup/telemetry-leaks.js';

/** A metric reader collected on demand (no exporter, no timer). */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One data point of a collected metric, flattened. */
export interface MetricPoint {
  name: string;
  unit: string;
  attributes: Attributes;
  /** The sum / gauge value, or the histogram's count. */
  value: number;
  /** Histograms: the sum of the recorded values. */
  sum?: number;
}

/** At most this many places are kept per recorded string (enough to find the code that wrote it). */
const PLACES_PER_TEXT = 3;

/**
 * Keeps every string any span carried (name, attributes, events, links, status), with where it was, for the
 * whole-run leak check — only the distinct strings, not the spans, so a file with thousands of spans stays
 * small — and, between `reset()` and the next one, the finished spans themselves for a spec's assertions.
 */
class RecordingProcessor implements SpanProcessor {
  readonly texts = new Map<string, string[]>();
  /** Started, not yet ended: checked at the end too (an attribute set on a span never ended still leaked). */
  readonly open = new Set<Span>();
  finished: ReadableSpan[] = [];
  retain = false;
  spanCount = 0;

  onStart(span: Span, _parent: Context): void {
    this.spanCount++;
    this.open.add(span);
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
    this.record(span);
    if (this.retain) this.finished.push(span);
  }

  record(span: ReadableSpan): void {
    const at = `span "${span.name}"`;
    this.add(`${at} name`, span.name);
    this.addAttributes(`${at} attribute`, span.attributes);
    for (const event of span.events) {
      this.add(`${at} event name`, event.name);
      this.addAttributes(`${at} event "${event.name}" attribute`, event.attributes ?? {});
    }
    for (const link of span.links) this.addAttributes(`${at} link attribute`, link.attributes ?? {});
    if (span.status.message) this.add(`${at} status message`, span.status.message);
    this.addAttributes(`${at} resource attribute`, span.resource.attributes);
  }

  addAttributes(where: string, attributes: Attributes): void {
    for (const [key, value] of Object.entries(attributes)) {
      this.add(`${where} key`, key);
      for (const item of flatten(value)) this.add(`${where} "${key}"`, item);
    }
  }

  add(where: string, text: string): void {
    const places = this.texts.get(text);
    if (!places) this.texts.set(text, [where]);
    else if (places.length < PLACES_PER_TEXT && !places.includes(where)) places.push(where);
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function flatten(value: AttributeValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((item) =>
    item === undefined || item === null ? [] : [String(item)],
  );
}

const SHARED = Symbol.for('nestjs-wecom-batch.test.otel-sdk');

/**
 * A real OpenTelemetry SDK as an app would register it — tracer provider, meter provider with a reader,
 * AsyncLocalStorage context manager. One per test file ({@link OtelSdk.shared}): the whole-run guard
 * (test/setup/otel-leak-guard.ts) installs it before the file's apps are created and, at the end, searches every
 * string it recorded; the telemetry specs use the same instance for their assertions. `reset()` starts a fresh
 * meter provider (the module takes its meter at bootstrap, so boot the app after it) and empties `spans()`.
 */
export class OtelSdk {
  private readonly processor = new RecordingProcessor();
  private readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [this.processor] });
  /** Every reader since `install()`: the guard collects them all (a replaced meter provider still holds points). */
  private readonly readers: OnDemandReader[] = [];
  private reader = new OnDemandReader();
  private installed = false;

  /**
   * The SDK of this test file: the guard's when it runs (e2e and hardening specs), else one installed now.
   * OpenTelemetry's global providers can be set once, so every user of the file must share it.
   */
  static shared(): OtelSdk {
    const holder = globalThis as { [SHARED]?: OtelSdk };
    const sdk = (holder[SHARED] ??= new OtelSdk());
    sdk.install();
    return sdk;
  }

  /** Registers the providers and the context manager globally (once; later calls do nothing). */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(this.tracerProvider);
    this.setMeterProvider();
  }

  /** A fresh meter provider, and `spans()` keeps the spans finished from now on (call before booting an app). */
  reset(): void {
    this.processor.finished = [];
    this.processor.retain = true;
    metrics.disable();
    this.reader = new OnDemandReader();
    this.setMeterProvider();
  }

  /** Spans finished since the last `reset()` (none before the first one), or only those named `name`. */
  spans(name?: string): ReadableSpan[] {
    const all = this.processor.finished;
    return name === undefined ? [...all] : all.filter((span) => span.name === name);
  }

  /** How many spans were started since `install()`. */
  get spanCount(): number {
    return this.processor.spanCount;
  }

  /** The current meter provider's points (cumulative since the last `reset()`), or only those named `name`. */
  async metrics(name?: string): Promise<MetricPoint[]> {
    const points = await collect(this.reader);
    return name === undefined ? points : points.filter((point) => point.name === name);
  }

  /**
   * Every string recorded since `install()` with where it was: span names, attributes, events, links, status
   * messages (ended or still open), the resource, and every metric's name, unit, description and labels.
   */
  async recordedTexts(): Promise<RecordedText[]> {
    for (const span of this.processor.open) this.processor.record(span);
    const texts: RecordedText[] = [];
    for (const [text, places] of this.processor.texts) texts.push({ where: places.join(', '), text });
    for (const reader of this.readers) {
      const { resourceMetrics } = await reader.collect();
      for (const [key, value] of Object.entries(resourceMetrics.resource.attributes)) {
        texts.push({ where: `resource attribute "${key}"`, text: `${key}=${String(value)}` });
      }
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          const { name, unit, description } = metric.descriptor;
          texts.push({ where: `metric "${name}" name, unit or description`, text: `${name} ${unit} ${description}` });
          for (const point of metric.dataPoints) {
            for (const [key, value] of Object.entries(point.attributes)) {
              texts.push({ where: `metric "${name}" label "${key}"`, text: `${key}=${flatten(value).join(',')}` });
            }
          }
        }
      }
    }
    return texts;
  }

  private setMeterProvider(): void {
    this.readers.push(this.reader);
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [this.reader] }));
  }
}

async function collect(reader: MetricReader): Promise<MetricPoint[]> {
  const { resourceMetrics } = await reader.collect();
  const points: MetricPoint[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const { name, unit } = metric.descriptor;
      for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
        const value = point.value;
        points.push(
          typeof value === 'number'
            ? { name, unit, attributes: point.attributes, value }
            : { name, unit, attributes: point.attributes, value: value.count, sum: value.sum },
        );
      }
    }
  }
  return points;
}
