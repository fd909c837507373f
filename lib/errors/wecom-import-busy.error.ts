import { WeComBatchError } from './wecom-batch.error.js';

/**
 * With `importQueue: 'fail-fast'`: another import job of this corp is running (WeCom runs one at a time and
 * answers 302008 otherwise). Retry after that job completes, or use the default `'queue'` mode.
 */
export class WeComImportBusyError extends WeComBatchError {
  constructor(
    readonly corpId: string,
    options?: { cause?: unknown },
  ) {
    super(
      `another WeCom import job of corp ${corpId} is running (WeCom runs one at a time, 302008); ` +
        `retry when it completes, or use importQueue: 'queue'`,
      options,
    );
  }
}
