import type { OtelCounter, OtelHistogram, OtelMeter } from './otel.types.js';
import { JOB_DURATION_BUCKETS_S, METRICS } from './telemetry.constants.js';

/** The package's metric instruments (see `METRICS` for names, units and descriptions). */
export interface Instruments {
  jobDuration: OtelHistogram;
  jobsSubmitted: OtelCounter;
  jobsCompleted: OtelCounter;
  failedRows: OtelCounter;
  callbackDeliveries: OtelCounter;
  apiErrors: OtelCounter;
  tokenRefreshes: OtelCounter;
  jobsPending: object;
  oldestPendingAge: object;
}

/** Creates every instrument on `meter`. */
export function createInstruments(meter: OtelMeter): Instruments {
  const counter = (spec: { name: string; unit: string; description: string }): OtelCounter =>
    meter.createCounter(spec.name, { unit: spec.unit, description: spec.description });
  const gauge = (spec: { name: string; unit: string; description: string }): object =>
    meter.createObservableGauge(spec.name, { unit: spec.unit, description: spec.description });
  return {
    jobDuration: meter.createHistogram(METRICS.jobDuration.name, {
      unit: METRICS.jobDuration.unit,
      description: METRICS.jobDuration.description,
      advice: { explicitBucketBoundaries: JOB_DURATION_BUCKETS_S },
    }),
    jobsSubmitted: counter(METRICS.jobsSubmitted),
    jobsCompleted: counter(METRICS.jobsCompleted),
    failedRows: counter(METRICS.failedRows),
    callbackDeliveries: counter(METRICS.callbackDeliveries),
    apiErrors: counter(METRICS.apiErrors),
    tokenRefreshes: counter(METRICS.tokenRefreshes),
    jobsPending: gauge(METRICS.jobsPending),
    oldestPendingAge: gauge(METRICS.oldestPendingAge),
  };
}
