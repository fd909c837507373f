/** How many recent access tokens are scrubbed by value (the current one, and a few it replaced). */
const REMEMBERED_TOKENS = 8;
/** Shorter values are not scrubbed by value: replacing them would mangle ordinary words. */
const MIN_SECRET_LENGTH = 6;
const REPLACEMENT = '[redacted]';

/**
 * Removes credentials from text that may end up in an error or a log: `access_token=` / `corpsecret=` query
 * parameters (in URLs of axios or proxy messages), JSON `"access_token": "…"`, and the known secret values
 * themselves wherever they appear.
 */
export class Redactor {
  private readonly secret: string | undefined;
  private readonly tokens: string[] = [];

  constructor(corpSecret: string) {
    this.secret = corpSecret.length >= MIN_SECRET_LENGTH ? corpSecret : undefined;
  }

  /** Also scrub this token by value from now on (the last few tokens are kept). */
  remember(token: string): void {
    if (token.length < MIN_SECRET_LENGTH || this.tokens.includes(token)) return;
    this.tokens.push(token);
    if (this.tokens.length > REMEMBERED_TOKENS) this.tokens.shift();
  }

  /** `text` without credentials. */
  scrub(text: string): string {
    let out = text
      .replace(/((?:access_token|corpsecret)(?:=|%3D))[^&\s"'<>#]*/gi, `$1${REPLACEMENT}`)
      .replace(/("(?:access_token|corpsecret)"\s*:\s*")[^"]*/gi, `$1${REPLACEMENT}`);
    for (const value of this.values()) {
      if (out.includes(value)) out = out.split(value).join(REPLACEMENT);
      const encoded = encodeURIComponent(value);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(REPLACEMENT);
    }
    return out;
  }

  private values(): string[] {
    return this.secret ? [this.secret, ...this.tokens] : this.tokens;
  }
}
