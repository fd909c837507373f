import type { Provider } from '@nestjs/common';
import { PendingJobsGauge } from './pending-jobs.gauge.js';
import { WeComBatchHealthIndicator } from './wecom-batch-health.indicator.js';

/** The operations providers the module adds: the health indicator (exported) and the pending-jobs gauges. */
export const HEALTH_PROVIDERS: Provider[] = [WeComBatchHealthIndicator, PendingJobsGauge];
