// Preloaded (`node --import`) into a benchmark app to set its OpenTelemetry situation, by BENCH_OTEL:
//   absent — @opentelemetry/api cannot be resolved (an app that never installed it)
//   api    — installed, no SDK registered (the API's no-ops)
//   sdk    — a real SDK registered before the app starts: tracer provider with a batch processor to a span
//            exporter that drops what it gets, meter provider with a reader, AsyncLocalStorage context manager
import { register } from 'node:module';

const mode = process.env.BENCH_OTEL ?? 'api';

if (mode === 'absent') {
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === '@opentelemetry/api' || specifier.startsWith('@opentelemetry/api/')) {
      const error = new Error("Cannot find package '" + specifier + "'");
      error.code = 'ERR_MODULE_NOT_FOUND';
      throw error;
    }
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
} else if (mode === 'sdk') {
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  let exported = 0;
  const exporter = {
    export: (spans, done) => {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  class Reader extends MetricReader {
    async onForceFlush() {}
    async onShutdown() {}
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new Reader()] }));
  globalThis.__benchSpansExported = () => exported;
} else if (mode !== 'api') {
  throw new Error(`BENCH_OTEL must be absent, api or sdk, not ${mode}`);
}
