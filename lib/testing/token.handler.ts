import { randomBytes } from 'node:crypto';
import type { CorpRegistry } from './corp-registry.service.js';
import type { TokenSettings } from './simulator-faults.types.js';
import type { Answer, CorpState, HandlerRequest } from './simulator-state.types.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

interface TokenState {
  corpId: string;
  expiresAt: number;
  revoked: boolean;
}

/** The answer of a token check: the corp the token belongs to, or the errcode to refuse it with. */
export type TokenCheck = { corp: CorpState } | { errcode: number };

/**
 * `gettoken` and the access-token check of every other endpoint. Each `gettoken` issues a new token; earlier
 * ones stay valid until they expire (42001) or are revoked (40014).
 */
export class TokenHandler {
  private readonly tokens = new Map<string, TokenState>();
  private ttlSeconds: number;
  /** Delay of successful gettoken answers (`configureTokens({ answerDelayMs })`). */
  answerDelayMs = 0;

  constructor(
    private readonly corps: CorpRegistry,
    ttlSeconds: number,
    private readonly now: () => number,
  ) {
    this.ttlSeconds = ttlSeconds;
  }

  /** Answers `gettoken?corpid=…&corpsecret=…`. */
  getToken({ query, entry, fail }: HandlerRequest): Answer {
    if (!query.corpid) return fail(41002);
    if (!query.corpsecret) return fail(41004);
    const corp = this.corps.find(query.corpid);
    if (!corp) return fail(40013);
    entry.corpId = corp.options.corpId;
    if (!corp.secrets.has(query.corpsecret)) return fail(40001);
    corp.tokenFetches += 1;
    const accessToken = this.issue(corp);
    return {
      status: 200,
      body: { errcode: 0, errmsg: 'ok', access_token: accessToken, expires_in: this.ttlSeconds },
    };
  }

  /** Checks the `access_token` query parameter (only ever read from the query string, as WeCom does). */
  check(token: string | undefined): TokenCheck {
    if (!token) return { errcode: 41001 };
    const state = this.tokens.get(token);
    if (!state || state.revoked) return { errcode: 40014 };
    if (this.now() >= state.expiresAt) return { errcode: 42001 };
    return { corp: this.corps.find(state.corpId) as CorpState };
  }

  /** A new valid token of `corp`, as `gettoken` hands out. */
  issue(corp: CorpState): string {
    const accessToken = randomBytes(96).toString('base64url');
    this.tokens.set(accessToken, {
      corpId: corp.options.corpId,
      expiresAt: this.now() + this.ttlSeconds * 1000,
      revoked: false,
    });
    return accessToken;
  }

  /** Every token issued (of one corp, or all), oldest first. */
  issued(corpId?: string): string[] {
    const wanted = corpId === undefined ? undefined : this.corps.get(corpId).options.corpId;
    return [...this.tokens].filter(([, t]) => wanted === undefined || t.corpId === wanted).map(([token]) => token);
  }

  /** Expires (42001) or revokes (40014) every token issued so far, of one corp or all. */
  invalidate(how: 'expire' | 'revoke', corpId?: string): void {
    const wanted = corpId === undefined ? undefined : this.corps.get(corpId).options.corpId;
    for (const token of this.tokens.values()) {
      if (wanted !== undefined && token.corpId !== wanted) continue;
      if (how === 'expire') token.expiresAt = this.now();
      else token.revoked = true;
    }
  }

  /** Changes the lifetime and answer delay of the tokens issued from now on. */
  configure(settings: TokenSettings): void {
    const { ttlSeconds, answerDelayMs } = settings ?? {};
    if (ttlSeconds !== undefined && !(ttlSeconds > 0 && Number.isFinite(ttlSeconds))) {
      throw new WeComSimulatorError('configureTokens: ttlSeconds must be a positive number');
    }
    if (answerDelayMs !== undefined && !(answerDelayMs >= 0 && Number.isFinite(answerDelayMs))) {
      throw new WeComSimulatorError('configureTokens: answerDelayMs must be a number ≥ 0');
    }
    if (ttlSeconds !== undefined) this.ttlSeconds = ttlSeconds;
    if (answerDelayMs !== undefined) this.answerDelayMs = answerDelayMs;
  }
}
