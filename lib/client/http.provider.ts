import { HttpService } from '@nestjs/axios';
import type { Provider } from '@nestjs/common';
import axios from 'axios';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_HTTP, WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';

/**
 * Connections kept open to WeCom per module instance. Further calls wait for a free connection (within their
 * timeout) instead of opening hundreds of sockets at once: WeCom limits concurrent calls per corp (45033), and
 * a bounded keep-alive pool is several times faster for bursts than one socket per call.
 */
export const MAX_SOCKETS = 64;

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
        // Node's http adapter: the client tells "sent in full" from "never sent" by the ClientRequest's state,
        // which decides whether a job submission may be retried.
        adapter: 'http',
        // WeCom never redirects; following one would carry the access token in the URL to another place.
        maxRedirects: 0,
        // Endpoints are relative paths; an absolute URL must never escape the base URL with the token.
        allowAbsoluteUrls: false,
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
        // The CommonJS build sees axios's .d.cts types while @nestjs/axios is typed against its .d.ts; they
        // describe the same object.
      }) as ConstructorParameters<typeof HttpService>[0],
    ),
  inject: [WECOM_BATCH_RESOLVED_OPTIONS],
};
