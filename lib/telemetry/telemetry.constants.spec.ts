import { describe, expect, it } from '@jest/globals';
import * as realApi from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import type { OtelApi } from './otel.types.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, METRICS } from './telemetry.constants.js';

// Type-level: the real @opentelemetry/api satisfies the local structural types (`npm run typecheck` fails if not).
const satisfied: OtelApi = realApi;

describe('telemetry constants', () => {
  it('the tracer and meter are named after the package and its version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect([INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION]).toEqual([pkg.name, pkg.version]);
    expect(typeof satisfied.trace.getTracer).toBe('function');
  });

  it('every metric is in the wecom. namespace with a unit', () => {
    for (const metric of Object.values(METRICS)) {
      expect(metric.name).toMatch(/^wecom\.[a-z_.]+$/);
      expect(metric.unit).toMatch(/^(s|\{[a-z]+\})$/);
    }
  });
});
