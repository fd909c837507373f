import type { ConfigService } from '@nestjs/config';
import type { WeComBatchModuleOptions } from 'nestjs-wecom-batch';

/**
 * The `useFactory` of `WeComBatchModule.forRootAsync()`: the module's options from the environment.
 *
 * - `WECOM_CORP_ID`, `WECOM_CORP_SECRET` (the 通讯录同步 secret) — required.
 * - `WECOM_CALLBACK_URL`, `WECOM_CALLBACK_TOKEN`, `WECOM_CALLBACK_AES_KEY` — the job-result callback, all three
 *   or none (without them jobs are tracked by polling `batch/getresult`).
 * - `WECOM_CONSOLE_TOKEN`, `WECOM_CONSOLE_AES_KEY` — optional, with the callback: the pair set in 管理后台 → 管理工具 →
 *   通讯录同步 → 接收事件服务器, which signs export completions (`callback.acceptedKeys`). Without them exports
 *   complete by polling `export/get_result`.
 * - `WECOM_API_BASE_URL` — optional: an egress proxy with a trusted IP (企业可信IP), or the simulator.
 * - `WECOM_POLL_INTERVAL_MS` — optional: a fixed `batch/getresult` polling interval. The sample sets it short for
 *   the simulator, so that the progress bar moves; against a real corp the module's backoff (2 s doubling up to
 *   60 s) is the better choice.
 */
export function weComBatchOptions(config: ConfigService): WeComBatchModuleOptions {
  const apiBaseUrl = config.get<string>('WECOM_API_BASE_URL');
  const callbackUrl = config.get<string>('WECOM_CALLBACK_URL');
  const pollIntervalMs = Number(config.get<string>('WECOM_POLL_INTERVAL_MS') ?? '');
  const consoleToken = config.get<string>('WECOM_CONSOLE_TOKEN');
  return {
    corpId: config.getOrThrow<string>('WECOM_CORP_ID'),
    corpSecret: config.getOrThrow<string>('WECOM_CORP_SECRET'),
    ...(apiBaseUrl ? { apiBaseUrl } : {}),
    ...(callbackUrl
      ? {
          callback: {
            url: callbackUrl,
            token: config.getOrThrow<string>('WECOM_CALLBACK_TOKEN'),
            encodingAESKey: config.getOrThrow<string>('WECOM_CALLBACK_AES_KEY'),
            ...(consoleToken
              ? {
                  acceptedKeys: [
                    { token: consoleToken, encodingAESKey: config.getOrThrow<string>('WECOM_CONSOLE_AES_KEY') },
                  ],
                }
              : {}),
          },
        }
      : {}),
    ...(pollIntervalMs > 0 ? { polling: { initialIntervalMs: pollIntervalMs, maxIntervalMs: pollIntervalMs } } : {}),
  };
}
