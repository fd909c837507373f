import { HttpService } from '@nestjs/axios';
import type { Provider } from '@nestjs/common';
import axios from 'axios';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_HTTP, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';

/**
 * The module's own `HttpService` over a dedicated axios instance: the app's shared `HttpModule` (its base URL,
 * interceptors, defaults) is never touched, and ours never leaks into it.
 */
export const httpProvider: Provider = {
  provide: WECOM_BATCH_HTTP,
  useFactory: (options: ResolvedWeComBatchOptions) =>
    new HttpService(
      axios.create({
        baseURL: `${options.apiBaseUrl}/cgi-bin/`,
        timeout: options.requestTimeoutMs,
        // WeCom answers business errors with HTTP 200; anything else is a transport-level failure.
        validateStatus: (status) => status === 200,
        // The CommonJS build sees axios's .d.cts types while @nestjs/axios is typed against its .d.ts; they
        // describe the same object.
      }) as ConstructorParameters<typeof HttpService>[0],
    ),
  inject: [WECOM_BATCH_RESOLVED_OPTIONS],
};
