/** WeCom's public API host. Override with the `apiBaseUrl` option for proxies or private deployments. */
export const DEFAULT_API_BASE_URL = 'https://qyapi.weixin.qq.com';

/** Route of the built-in callback controller, relative to the app's global prefix. */
export const DEFAULT_CALLBACK_PATH = 'wecom/batch/callback';
