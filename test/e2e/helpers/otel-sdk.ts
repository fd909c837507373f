import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

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

/**
 * A real OpenTelemetry SDK as an app would register it — tracer provider with an in-memory exporter, meter
 * provider with a reader, AsyncLocalStorage context manager — for the telemetry e2e specs. `reset()` starts a fresh
 * meter provider (the module takes its meter at bootstrap, so boot the app after it) and empties the spans.
 */
export class OtelSdk {
  readonly exporter = new InMemorySpanExporter();
  private reader = new OnDemandReader();
  /** Every span and metric point seen since `install()`, for the no-secrets check of the whole run. */
  readonly allSpans: ReadableSpan[] = [];
  readonly allPoints: MetricPoint[] = [];

  install(): void {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] }),
    );
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [this.reader] }));
  }

  /** A fresh meter provider and no spans (call before booting the next app). */
  reset(): void {
    this.allSpans.push(...this.exporter.getFinishedSpans());
    this.exporter.reset();
    metrics.disable();
    this.reader = new OnDemandReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [this.reader] }));
  }

  uninstall(): void {
    this.allSpans.push(...this.exporter.getFinishedSpans());
    trace.disable();
    metrics.disable();
    context.disable();
  }

  spans(name?: string): ReadableSpan[] {
    const all = this.exporter.getFinishedSpans();
    return name === undefined ? all : all.filter((span) => span.name === name);
  }

  async metrics(name?: string): Promise<MetricPoint[]> {
    const { resourceMetrics } = await this.reader.collect();
    const points: MetricPoint[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
          const value = point.value;
          points.push(
            typeof value === 'number'
              ? { name: metric.descriptor.name, unit: metric.descriptor.unit, attributes: point.attributes, value }
              : {
                  name: metric.descriptor.name,
                  unit: metric.descriptor.unit,
                  attributes: point.attributes,
                  value: value.count,
                  sum: value.sum,
                },
          );
        }
      }
    }
    this.allPoints.push(...points);
    return name === undefined ? points : points.filter((point) => point.name === name);
  }
}

/** Everything of a span a backend would store: name, attributes, events, links, status. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    links: span.links.map((link) => link.attributes ?? {}),
    status: span.status,
  });
}
