import type { AccessTokenManager } from '../client/access-token.manager.js';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';

/** How long the outcome of a token check that had to call WeCom is reused by later probes. */
export const TOKEN_CHECK_REUSE_MS = 60_000;

/** The token part of a health report. */
export interface TokenHealth {
  /**
   * `cached`: a valid token is in the store · `obtained`: none was cached, one was fetched · `unavailable`: the
   * last fetch failed (transient: WeCom busy, network) · `config_error`: WeCom refused the credentials or this IP
   * (40001, 40013, 60020 …) — not retried by the probe.
   */
  state: 'cached' | 'obtained' | 'unavailable' | 'config_error';
  /** Seconds until the cached token expires. */
  expiresInSeconds?: number;
  /** WeCom's errcode of the last failure. */
  errcode?: number;
  /** What failed and what to change (scrubbed: never a secret or a token). */
  error?: string;
}

interface ApiFailure {
  kind?: unknown;
  errcode?: unknown;
  message?: unknown;
}

/**
 * Whether the module has — or can get — an access token, without a `gettoken` per probe: a token in the store
 * answers at once; otherwise one fetch (through the token manager's single flight) decides, and its outcome is
 * reused for {@link TOKEN_CHECK_REUSE_MS}. A configuration error (a bad secret, CorpID or an untrusted IP) is never
 * retried by the probe — repeated bad secrets get the server's IP banned — it stays reported until a token
 * appears in the store (the app's own calls got one after the fix, or the app restarted with new options).
 */
export class TokenHealthProbe {
  private last: { at: number; health: TokenHealth } | undefined;

  constructor(
    private readonly tokens: AccessTokenManager,
    private readonly store: WeComBatchStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token's health; rejects when the store cannot be read (the caller reports the store). */
  async check(): Promise<TokenHealth> {
    const record = await this.store.getToken(this.tokens.key);
    const now = this.now();
    if (record && record.expiresAt > now + 1_000) {
      this.last = undefined;
      return { state: 'cached', expiresInSeconds: Math.floor((record.expiresAt - now) / 1000) };
    }
    const last = this.last;
    if (last && (last.health.state === 'config_error' || now - last.at < TOKEN_CHECK_REUSE_MS)) return last.health;
    const health = await this.fetch();
    this.last = { at: this.now(), health };
    return health;
  }

  private async fetch(): Promise<TokenHealth> {
    try {
      await this.tokens.getToken();
      return { state: 'obtained' };
    } catch (error) {
      const failure = (error ?? {}) as ApiFailure;
      const errcode = typeof failure.errcode === 'number' ? failure.errcode : undefined;
      return {
        state: failure.kind === 'config' ? 'config_error' : 'unavailable',
        errcode,
        // WeComApiError messages are scrubbed by the client's redactor (no secret, no token).
        error: typeof failure.message === 'string' ? failure.message.slice(0, 500) : 'the token could not be fetched',
      };
    }
  }
}
