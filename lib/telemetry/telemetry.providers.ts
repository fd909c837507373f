import { WECOM_TELEMETRY, WeComTelemetry } from './wecom-telemetry.service.js';

/**
 * The module's telemetry provider: loads `@opentelemetry/api` (if installed) at bootstrap, before anything that
 * records a span or a metric runs. Written without Nest's `Provider` type so this layer imports nothing.
 */
export const TELEMETRY_PROVIDERS = [
  {
    provide: WeComTelemetry,
    useFactory: async (): Promise<WeComTelemetry> => {
      await WECOM_TELEMETRY.init();
      return WECOM_TELEMETRY;
    },
  },
];
