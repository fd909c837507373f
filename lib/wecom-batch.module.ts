import { type DynamicModule, Inject, Module, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { createHash } from 'node:crypto';
import { BatchService } from './batch/batch.service.js';
import { TRACKING_PROVIDERS } from './batch/tracking/tracking.providers.js';
import { BatchApi } from './batch/api/batch-api.service.js';
import { EXPORT_PROVIDERS } from './batch/export/export.providers.js';
import { MIRROR_PROVIDERS } from './batch/mirror/mirror.providers.js';
import { TrackedResultFetcher } from './batch/export/tracked-result.fetcher.js';
import { SUBMISSION_PROVIDERS } from './batch/submission/submission.providers.js';
import { WECOM_CALLBACK_ROUTE_MOUNTED } from './callback/callback.constants.js';
import { CALLBACK_PROVIDERS } from './callback/callback.providers.js';
import { createWeComCallbackController } from './callback/wecom-callback.controller.js';
import { WeComCallbackService } from './callback/wecom-callback.service.js';
import { CLIENT_PROVIDERS } from './client/client.providers.js';
import { HEALTH_PROVIDERS } from './health/health.providers.js';
import { WeComBatchHealthIndicator } from './health/wecom-batch-health.indicator.js';
import { TELEMETRY_PROVIDERS } from './telemetry/telemetry.providers.js';
import { eventEmitterProvider } from './wecom-batch-event-emitter.provider.js';
import { CorpCallbackRouter } from './corps/corp-callback.router.js';
import { CorpDirectory } from './corps/corp-directory.service.js';
import { RegistrationGuard } from './corps/registration-guard.service.js';
import {
  assertRegistrationName,
  getBatchServiceToken,
  getWeComCallbackServiceToken,
} from './corps/registration-tokens.util.js';
import type { CorpModuleFactory, WeComRegistrationInfo } from './corps/registration.types.js';
import { MemoryStore } from './stores/memory.store.js';
import type { WeComBatchStore } from './stores/wecom-batch-store.interface.js';
import { DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_REGISTRATION,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_RESULT_FETCHER,
  WECOM_BATCH_STORE,
  WECOM_CALLBACK_ROUTER,
  WECOM_CORP_DIRECTORY,
  WECOM_CORP_MODULE_FACTORY,
} from './wecom-batch.internal-constants.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  WECOM_BATCH_MODULE_OPTIONS,
  type WeComBatchModuleExtras,
} from './wecom-batch.module-definition.js';
import {
  type ResolvedWeComBatchOptions,
  type WeComBatchModuleOptions,
  type WeComCorpCredentials,
} from './wecom-batch.options.js';
import { resolveWeComBatchOptions } from './wecom-batch-options.resolver.js';

/** The registration's `name` extra, for the resolved options (module-private). */
const REGISTRATION_NAME = Symbol('WECOM_BATCH_REGISTRATION_NAME');

const providers: Provider[] = [
  {
    provide: WECOM_BATCH_RESOLVED_OPTIONS,
    // Runs at bootstrap: invalid options stop the app with an error naming each bad field.
    useFactory: (options: WeComBatchModuleOptions, name: string | undefined) => ({
      ...resolveWeComBatchOptions(options),
      ...(name === undefined ? {} : { registration: name }),
    }),
    inject: [WECOM_BATCH_MODULE_OPTIONS, REGISTRATION_NAME],
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
  ...EXPORT_PROVIDERS,
  // The tracker polls through the typed APIs — batch/getresult for imports, export/get_result for exports (a seam
  // for unit tests).
  { provide: WECOM_BATCH_RESULT_FETCHER, useExisting: TrackedResultFetcher },
  ...TRACKING_PROVIDERS,
  ...SUBMISSION_PROVIDERS,
  ...MIRROR_PROVIDERS,
  BatchService,
  ...CALLBACK_PROVIDERS,
  // OpenTelemetry (loaded at bootstrap when installed), the health indicator and the pending-jobs gauges.
  ...TELEMETRY_PROVIDERS,
  ...HEALTH_PROVIDERS,
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
    const { name } = extras;
    assertRegistrationName(name);
    const path =
      extras.callbackPath ?? (name === undefined ? DEFAULT_CALLBACK_PATH : `${DEFAULT_CALLBACK_PATH}/${name}`);
    const mounted = extras.registerCallbackController !== false;
    const controllers = mounted ? [createWeComCallbackController(path)] : [];
    // The unnamed registration exports its classes; a named one only tokens of its own, so injecting plain
    // `BatchService` never gets a named registration's service by accident.
    const named: Provider[] =
      name === undefined
        ? []
        : [
            { provide: getBatchServiceToken(name), useExisting: BatchService },
            { provide: getWeComCallbackServiceToken(name), useExisting: WeComCallbackService },
          ];
    return {
      ...base,
      controllers: [...(base.controllers ?? []), ...controllers],
      providers: [
        ...(base.providers ?? []),
        { provide: REGISTRATION_NAME, useValue: name },
        ...providers,
        { provide: WECOM_CALLBACK_ROUTE_MOUNTED, useValue: mounted },
        {
          provide: WECOM_BATCH_REGISTRATION,
          useFactory: (resolved: ResolvedWeComBatchOptions): WeComRegistrationInfo => ({
            name,
            corpId: resolved.corpId,
            secretHash: createHash('sha256').update(resolved.corpSecret).digest('hex'),
            isGlobal: extras.isGlobal === true,
            routePath: mounted ? path : undefined,
            callbackUrl: resolved.callback?.url,
            callbackUrlRewritten: extras.callbackUrlRewritten === true,
          }),
          inject: [WECOM_BATCH_RESOLVED_OPTIONS],
        },
        RegistrationGuard,
        {
          provide: WECOM_CORP_MODULE_FACTORY,
          useFactory: (options: WeComBatchModuleOptions, store: WeComBatchStore, emitter: EventEmitter2) =>
            corpModuleFactory(options, name, store, emitter),
          inject: [WECOM_BATCH_MODULE_OPTIONS, WECOM_BATCH_STORE, WECOM_BATCH_EMITTER],
        },
        CorpDirectory,
        { provide: WECOM_CORP_DIRECTORY, useExisting: CorpDirectory },
        {
          provide: WECOM_CALLBACK_ROUTER,
          // Only a registration with resolveCorp routes by CorpID; otherwise the callback service has no router.
          useFactory: (options: WeComBatchModuleOptions, router: CorpCallbackRouter) =>
            typeof options.resolveCorp === 'function' ? router : undefined,
          inject: [WECOM_BATCH_MODULE_OPTIONS, CorpCallbackRouter],
        },
        CorpCallbackRouter,
        ...named,
      ],
      exports: [
        ...(base.exports ?? []),
        ...(name === undefined
          ? [BatchService, WeComCallbackService, WeComBatchHealthIndicator]
          : named.map((p) => (p as { provide: string }).provide)),
      ],
    };
  }
}

/**
 * The Nest module of one corp resolved at run time (`resolveCorp`): the same providers as a registration, with
 * the corp's credentials over the registration's other options, its store and the app's emitter. No controller
 * (the registration's route routes by CorpID), no guard, and no store closing (the store is the registration's).
 */
@Module({})
class WeComCorpModule {}

function corpModuleFactory(
  options: WeComBatchModuleOptions,
  name: string | undefined,
  store: WeComBatchStore,
  emitter: EventEmitter2,
): CorpModuleFactory {
  const { resolveCorp, ...shared } = options;
  return {
    resolveCorp,
    create: (credentials: WeComCorpCredentials, directory: object): DynamicModule => ({
      module: WeComCorpModule,
      providers: [
        {
          provide: WECOM_BATCH_MODULE_OPTIONS,
          useValue: {
            ...shared,
            corpId: credentials.corpId,
            corpSecret: credentials.corpSecret,
            callback: credentials.callback ?? shared.callback,
            apiBaseUrl: credentials.apiBaseUrl ?? shared.apiBaseUrl,
            store,
          } satisfies WeComBatchModuleOptions,
        },
        { provide: REGISTRATION_NAME, useValue: name },
        { provide: EventEmitter2, useValue: emitter },
        { provide: WECOM_CORP_DIRECTORY, useValue: directory },
        { provide: WECOM_CALLBACK_ROUTE_MOUNTED, useValue: false },
        ...providers,
      ],
    }),
  };
}
