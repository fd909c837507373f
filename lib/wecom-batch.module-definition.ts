import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DEFAULT_CALLBACK_PATH, WECOM_BATCH_EXTRA_KEYS } from './wecom-batch.constants.js';
import type { WeComBatchModuleOptions } from './wecom-batch.options.js';

/** Synchronous settings of the module, given beside the options in `forRoot` and `forRootAsync`. */
export interface WeComBatchModuleExtras {
  /**
   * Name of this registration, for a second corp (or more) in one app: inject its service with
   * `@InjectBatchService(name)` / `@InjectWeComCallbackService(name)` (or the tokens `getBatchServiceToken(name)`,
   * `getWeComCallbackServiceToken(name)`); its callback route defaults to `wecom/batch/callback/<name>`; its events
   * carry `registration: name`. Letters, digits, `-` and `_`. Omitted: the unnamed registration, injected as plain
   * `BatchService` / `WeComCallbackService`.
   */
  name?: string | undefined;
  /**
   * Register the module globally, so feature modules can inject `BatchService` without importing it. At most
   * one unnamed registration may be global.
   * @default false
   */
  isGlobal?: boolean | undefined;
  /**
   * Route of the callback controller (GET URL verification, POST job results), relative to the app's
   * global prefix. Must match the path of `callback.url` (checked at bootstrap; see `callbackUrlRewritten`).
   * A named registration defaults to `wecom/batch/callback/<name>`.
   * @default 'wecom/batch/callback'
   */
  callbackPath?: string | undefined;
  /**
   * The public `callback.url` reaches the route under another path (a reverse proxy or gateway rewrites it):
   * skips the bootstrap check that the mounted route (global prefix + `callbackPath`) is the URL's path.
   * @default false
   */
  callbackUrlRewritten?: boolean | undefined;
  /**
   * Mount the built-in callback controller. Set to `false` to wire `WeComCallbackService.handleCallback()`
   * into a route of your own (then the path above is not registered and answers 404).
   * @default true
   */
  registerCallbackController?: boolean | undefined;
}

/**
 * The defaults of the extras (the module options' defaults are in `WECOM_BATCH_DEFAULTS`); the `@default` tags above
 * are checked against it by a unit spec.
 */
export const WECOM_BATCH_EXTRAS_DEFAULTS: Readonly<Required<Omit<WeComBatchModuleExtras, 'name'>>> = Object.freeze({
  isGlobal: false,
  callbackPath: DEFAULT_CALLBACK_PATH,
  callbackUrlRewritten: false,
  registerCallbackController: true,
});

// The options validation refuses these keys among a factory's options: the list must name exactly the extras.
type ExtraKeyListed = (typeof WECOM_BATCH_EXTRA_KEYS)[number];
type _ExtraKeysMatch = [
  Exclude<keyof WeComBatchModuleExtras, ExtraKeyListed>,
  Exclude<ExtraKeyListed, keyof WeComBatchModuleExtras>,
] extends [never, never]
  ? true
  : never;
const _extraKeysMatch: _ExtraKeysMatch = true;
void _extraKeysMatch;

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
  // `name` is listed (without a default) so Nest keeps it out of the options, like the other extras.
  .setExtras<WeComBatchModuleExtras>({ ...WECOM_BATCH_EXTRAS_DEFAULTS, name: undefined }, (definition, extras) => ({
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
