/** How many recent access tokens are scrubbed by value (the current one, and a few it replaced). */
const REMEMBERED_TOKENS = 8;
/** Shorter values are not scrubbed by value: replacing them would mangle ordinary words. */
const MIN_SECRET_LENGTH = 6;
const REPLACEMENT = '[redacted]';

/**
 * The one redactor of the package: removes credentials from text that may end up in an error or a log.
 *
 * - by shape: `access_token=` / `corpsecret=` query parameters (in URLs of axios or proxy messages), JSON
 *   `"access_token": "…"`, and the userinfo of URLs (`redis://user:password@host` → `redis://[redacted]@host`);
 * - by value: the secrets it was given (corp secret, Redis passwords) and the last few access tokens it was told
 *   to {@link Redactor.remember}, also URL-encoded.
 */
export class Redactor {
  private readonly secrets: string[] = [];
  private readonly tokens: string[] = [];

  /** @param secrets values to scrub wherever they appear (shorter than 6 characters: ignored, see above). */
  constructor(secrets: Iterable<string | undefined | null> = []) {
    for (const secret of secrets) this.addSecret(secret);
  }

  /** Scrub `value` by value from now on. */
  addSecret(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.secrets.includes(value)) return;
    this.secrets.push(value);
  }

  /** Also scrub this token by value from now on (only the last few tokens are kept). */
  remember(token: string): void {
    if (token.length < MIN_SECRET_LENGTH || this.tokens.includes(token)) return;
    this.tokens.push(token);
    if (this.tokens.length > REMEMBERED_TOKENS) this.tokens.shift();
  }

  /** `text` without credentials. */
  scrub(text: string): string {
    let out = text
      .replace(/((?:access_token|corpsecret)(?:=|%3D))[^&\s"'<>#]*/gi, `$1${REPLACEMENT}`)
      .replace(/("(?:access_token|corpsecret)"\s*:\s*")[^"]*/gi, `$1${REPLACEMENT}`)
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${REPLACEMENT}@`);
    for (const value of [...this.secrets, ...this.tokens]) {
      if (out.includes(value)) out = out.split(value).join(REPLACEMENT);
      const encoded = encodeURIComponent(value);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(REPLACEMENT);
    }
    return out;
  }
}
