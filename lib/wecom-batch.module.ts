import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { BatchService } from './batch/batch.service.js';
import { TRACKING_PROVIDERS } from './batch/tracking/tracking.providers.js';
import { BatchApi } from './batch/api/batch-api.service.js';
import { SUBMISSION_PROVIDERS } from './batch/submission/submission.providers.js';
import { WECOM_CALLBACK_ROUTE_MOUNTED } from './callback/callback.constants.js';
import { CALLBACK_PROVIDERS } from './callback/callback.providers.js';
import { createWeComCallbackController } from './callback/wecom-callback.controller.js';
import { WeComCallbackService } from './callback/wecom-callback.service.js';
import { CLIENT_PROVIDERS } from './client/client.providers.js';
import { eventEmitterProvider } from './wecom-batch-event-emitter.provider.js';
import { MemoryStore } from './stores/memory.store.js';
import type { WeComBatchStore } from './stores/wecom-batch-store.interface.js';
import { DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';
import {
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_RESULT_FETCHER,
  WECOM_BATCH_STORE,
} from './wecom-batch.internal-constants.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  WECOM_BATCH_MODULE_OPTIONS,
  type WeComBatchModuleExtras,
} from './wecom-batch.module-definition.js';
import {
  resolveWeComBatchOptions,
  type ResolvedWeComBatchOptions,
  type WeComBatchModuleOptions,
} from './wecom-batch.options.js';

const providers: Provider[] = [
  {
    provide: WECOM_BATCH_RESOLVED_OPTIONS,
    // Runs at bootstrap: invalid options stop the app with an error naming each bad field.
    useFactory: (options: WeComBatchModuleOptions) => resolveWeComBatchOptions(options),
    inject: [WECOM_BATCH_MODULE_OPTIONS],
  },
  {
    provide: WECOM_BATCH_STORE,
    useFactory: (_resolved: ResolvedWeComBatchOptions, options: WeComBatchModuleOptions) =>
      options.store ?? new MemoryStore(),
    // The resolved options come first so a bad `store` is reported by validation, not used.
    inject: [WECOM_BATCH_RESOLVED_OPTIONS, WECOM_BATCH_MODULE_OPTIONS],
  },
  eventEmitterProvider,
  ...CLIENT_PROVIDERS,
  BatchApi,
  // The tracker polls and fetches rows through the typed batch API (a seam for unit tests).
  { provide: WECOM_BATCH_RESULT_FETCHER, useExisting: BatchApi },
  ...TRACKING_PROVIDERS,
  ...SUBMISSION_PROVIDERS,
  BatchService,
  ...CALLBACK_PROVIDERS,
];

/**
 * WeCom (企业微信) asynchronous contact import for Nest: `BatchService` to submit and track jobs, and a
 * controller that receives WeCom's encrypted job-result callbacks.
 *
 * ```ts
 * WeComBatchModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ corpId: config.getOrThrow('WECOM_CORP_ID'), … }),
 * })
 * ```
 */
@Module({})
export class WeComBatchModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore) {
    super();
  }

  /**
   * Closes what the store opened itself (RedisStore's pub/sub connection; never the client you passed in), after
   * the tracker and the import slot let go of it in `onModuleDestroy`.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }

  /** Registers the module with static options. */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return WeComBatchModule.withProviders(super.forRoot(options), options);
  }

  /** Registers the module with options from a factory, a class or an existing provider (e.g. `ConfigService`). */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return WeComBatchModule.withProviders(super.forRootAsync(options), options);
  }

  private static withProviders(base: DynamicModule, extras: WeComBatchModuleExtras): DynamicModule {
    const controllers =
      extras.registerCallbackController === false
        ? []
        : [createWeComCallbackController(extras.callbackPath ?? DEFAULT_CALLBACK_PATH)];
    return {
      ...base,
      controllers: [...(base.controllers ?? []), ...controllers],
      providers: [
        ...(base.providers ?? []),
        ...providers,
        { provide: WECOM_CALLBACK_ROUTE_MOUNTED, useValue: controllers.length > 0 },
      ],
      exports: [...(base.exports ?? []), BatchService, WeComCallbackService],
    };
  }
}
