import { Inject, Injectable } from '@nestjs/common';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { SPAN_NAMES } from '../telemetry/telemetry.constants.js';
import { WECOM_TELEMETRY } from '../telemetry/wecom-telemetry.service.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import { WECOM_BATCH_RESOLVED_OPTIONS } from '../wecom-batch.internal-constants.js';
import { WeComRequestRunner } from './wecom-request-runner.service.js';

/** A token as `gettoken` returned it. */
export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

/**
 * Calls WeCom's `gettoken` with the corp's credentials, under the client's retry policy. Only the
 * `AccessTokenManager` calls it: everything else asks the manager, which makes sure one fetch serves everybody.
 */
@Injectable()
export class AccessTokenFetcher {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WeComRequestRunner) private readonly runner: WeComRequestRunner,
  ) {}

  /**
   * A new access token; rejects with a `WeComApiError` (kind `config` for a bad secret, CorpID or IP). Traced as
   * one `wecom.token.refresh` span (its gettoken attempts are client spans inside) and counted in
   * `wecom.token.refreshes`.
   */
  async fetch(): Promise<FetchedToken> {
    const corpId = this.options.corpId;
    return WECOM_TELEMETRY.span(SPAN_NAMES.tokenRefresh, { 'wecom.corp_id': corpId }, async () => {
      try {
        const token = await this.fetchOnce();
        WECOM_TELEMETRY.tokenRefresh(corpId);
        return token;
      } catch (error) {
        WECOM_TELEMETRY.tokenRefresh(corpId, error);
        throw error;
      }
    });
  }

  private async fetchOnce(): Promise<FetchedToken> {
    const endpoint = 'gettoken';
    const query = new URLSearchParams({ corpid: this.options.corpId, corpsecret: this.options.corpSecret });
    // Not the caller's signal: one fetch serves every waiting caller, so only the shutdown stops it.
    const signal = this.runner.shutdownSignal;
    const answer = await this.runner.run(endpoint, signal, (n) =>
      this.runner.send({ method: 'GET', endpoint, query, idempotent: true, signal }, n),
    );
    const token = answer.access_token;
    const expiresIn = Number(answer.expires_in ?? 7200);
    if (typeof token !== 'string' || token === '' || !(expiresIn > 0)) {
      throw new WeComApiError({
        kind: 'response',
        endpoint,
        errmsg: 'no access_token/expires_in in the answer',
        retryable: false,
      });
    }
    return { token, expiresInSeconds: expiresIn };
  }
}
