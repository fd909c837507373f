import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';
import type { WeComBatchModuleOptions } from './wecom-batch.options.js';

/** Synchronous settings of the module, given beside the options in `forRoot` and `forRootAsync`. */
export interface WeComBatchModuleExtras {
  /**
   * Register the module globally, so feature modules can inject `BatchService` without importing it.
   * @default false
   */
  isGlobal?: boolean;
  /**
   * Route of the callback controller (GET URL verification, POST job results), relative to the app's
   * global prefix. Must match the path of `callback.url`.
   * @default 'wecom/batch/callback'
   */
  callbackPath?: string;
  /**
   * Mount the built-in callback controller. Set to `false` to wire `WeComCallbackService.handleCallback()`
   * into a route of your own (then the path above is not registered and answers 404).
   * @default true
   */
  registerCallbackController?: boolean;
}

/**
 * The defaults of the extras (the module options' defaults are in `WECOM_BATCH_DEFAULTS`); the `@default` tags above
 * are checked against it by a unit spec.
 */
export const WECOM_BATCH_EXTRAS_DEFAULTS: Readonly<Required<WeComBatchModuleExtras>> = Object.freeze({
  isGlobal: false,
  callbackPath: DEFAULT_CALLBACK_PATH,
  registerCallbackController: true,
});

/**
 * Nest's generated module base class, options token and option types: `forRoot` / `forRootAsync` with the
 * extras above, `createWeComBatchOptions` as the factory method of `useClass` / `useExisting`.
 */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: WECOM_BATCH_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WeComBatchModuleOptions>({
  moduleName: 'WeComBatch',
  optionsInjectionToken: 'WECOM_BATCH_MODULE_OPTIONS',
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createWeComBatchOptions')
  .setExtras<WeComBatchModuleExtras>({ ...WECOM_BATCH_EXTRAS_DEFAULTS }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/**
 * Implemented by a class given to `forRootAsync({ useClass })` / `useExisting`.
 *
 * ```ts
 * @Injectable()
 * class WeComConfig implements WeComBatchOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createWeComBatchOptions() { return { corpId: this.config.getOrThrow('WECOM_CORP_ID'), … }; }
 * }
 * ```
 */
export interface WeComBatchOptionsFactory {
  createWeComBatchOptions(): WeComBatchModuleOptions | Promise<WeComBatchModuleOptions>;
}
