/** WeCom's public API host. Override with the `apiBaseUrl` option for proxies or private deployments. */
export const DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com';

/** Route of the built-in callback controller, relative to the app's global prefix. */
export const DEFAULT_CALLBACK_PATH = 'wecom/batch/callback';

/**
 * The registration settings ("extras") of `forRoot` / `forRootAsync` — `WeComBatchModuleExtras` in
 * `wecom-batch.module-definition.ts`, which fails to compile when this list and that interface differ. The
 * options validation refuses them among the options a factory returns (Nest reads them before any factory runs).
 */
export const WECOM_BATCH_EXTRA_KEYS = Object.freeze([
  'name',
  'isGlobal',
  'callbackPath',
  'callbackUrlRewritten',
  'registerCallbackController',
] as const);
