import type { WeComBatchModuleOptions } from 'nestjs-wecom-batch';
import { forbidSecretsOf } from '../../setup/secret-registry.js';

/** Official vector A keys (../shared/wecom-api.md §9.7): token, EncodingAESKey, receiveId. */
export const VECTOR_A = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
};

/** A valid set of module options (the API base URL points nowhere: these tests never call WeCom). */
export function validOptions(overrides: Partial<WeComBatchModuleOptions> = {}): WeComBatchModuleOptions {
  // Registered for the whole-run telemetry guard (test/setup/otel-leak-guard.ts).
  return forbidSecretsOf({
    corpId: VECTOR_A.corpId,
    corpSecret: 'test-corp-secret-value',
    apiBaseUrl: 'http://127.0.0.1:9',
    callback: {
      url: 'http://127.0.0.1:9/wecom/batch/callback',
      token: VECTOR_A.token,
      encodingAESKey: VECTOR_A.encodingAESKey,
    },
    ...overrides,
  });
}
