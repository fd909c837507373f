import type { OtelApi } from './otel.types.js';

let loading: Promise<OtelApi | undefined> | undefined;

/**
 * `@opentelemetry/api` when the app has it installed, else `undefined` — loaded once, lazily, with a dynamic
 * `import()` (as `lib/stores` loads the optional ioredis): the ESM build keeps it an `import()`, the CommonJS build
 * turns it into a `require()` inside a promise, so neither build needs the package to load.
 */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (module) => {
      // CommonJS interop may nest the namespace under `default`.
      const api = ((module as { trace?: unknown }).trace ? module : (module as { default?: unknown }).default) as
        OtelApi | undefined;
      return api && typeof api.trace?.getTracer === 'function' ? api : undefined;
    },
    () => undefined,
  );
  return loading;
}
