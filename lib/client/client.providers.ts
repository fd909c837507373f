import type { Provider } from '@nestjs/common';
import { Redactor } from '../internal/redactor.util.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE } from '../wecom-batch.internal-constants.js';
import { AccessTokenFetcher } from './access-token.fetcher.js';
import { AccessTokenManager } from './access-token.manager.js';
import { WECOM_CLIENT_REDACTOR } from './client.tokens.js';
import { httpProvider } from './http.provider.js';
import { RetryPolicy } from './retry-policy.service.js';
import { WeComClient } from './wecom-client.service.js';
import { WeComRequestRunner } from './wecom-request-runner.service.js';
import { WeComStreamClient } from './wecom-stream-client.service.js';

/** The module's one redactor for WeCom calls: it knows the corp secret from the start, tokens as they come. */
export const redactorProvider: Provider = {
  provide: WECOM_CLIENT_REDACTOR,
  useFactory: (options: ResolvedWeComBatchOptions) => new Redactor([options.corpSecret]),
  inject: [WECOM_BATCH_RESOLVED_OPTIONS],
};

/** The retry policy built from the `retry` options (a factory: the class itself stays free of Nest). */
export const retryPolicyProvider: Provider = {
  provide: RetryPolicy,
  useFactory: (options: ResolvedWeComBatchOptions) => new RetryPolicy(options.retry),
  inject: [WECOM_BATCH_RESOLVED_OPTIONS],
};

/** The token manager over the module's store, fetching through {@link AccessTokenFetcher}. */
export const accessTokenManagerProvider: Provider = {
  provide: AccessTokenManager,
  useFactory: (
    options: ResolvedWeComBatchOptions,
    store: WeComBatchStore,
    redactor: Redactor,
    fetcher: AccessTokenFetcher,
  ) => new AccessTokenManager({ options, store, redactor, fetchToken: () => fetcher.fetch() }),
  inject: [WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_STORE, WECOM_CLIENT_REDACTOR, AccessTokenFetcher],
};

/**
 * Everything the WeCom client is made of, for the module's providers list. Each collaborator is its own provider
 * so a testing module can replace it: `overrideProvider(RetryPolicy)`, `overrideProvider(AccessTokenManager)`,
 * `overrideProvider(WECOM_CLIENT_REDACTOR)`.
 */
export const CLIENT_PROVIDERS: Provider[] = [
  httpProvider,
  redactorProvider,
  retryPolicyProvider,
  WeComRequestRunner,
  AccessTokenFetcher,
  accessTokenManagerProvider,
  WeComClient,
  WeComStreamClient,
];
