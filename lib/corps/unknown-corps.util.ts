/** How long a corp `resolveCorp` did not know is refused without asking again. */
export const UNKNOWN_CORP_TTL_MS = 60_000;
/** At most this many corps remembered as unknown (the oldest are forgotten first). */
export const UNKNOWN_CORP_MAX_ENTRIES = 10_000;
/** Lookups of corps never seen before, per {@link LOOKUP_WINDOW_MS}, triggered by callback deliveries. */
export const LOOKUP_BUDGET = 30;
export const LOOKUP_WINDOW_MS = 60_000;

/**
 * The negative cache of the callback route: the `ToUserName` of a delivery is unauthenticated (it picks the keys
 * the signature is checked with), so anyone can send CorpIDs. A corp the resolver did not know is refused for a
 * minute without asking again, and lookups of never-seen corps are budgeted per minute — a flood of random
 * CorpIDs costs at most {@link LOOKUP_BUDGET} resolver calls a minute, and the real corps' deliveries refused
 * meanwhile are answered 503, which WeCom retries.
 */
export class UnknownCorps {
  private readonly until = new Map<string, number>();
  private windowStart = 0;
  private lookups = 0;

  constructor(private readonly now: () => number = Date.now) {}

  has(corpId: string): boolean {
    const until = this.until.get(corpId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(corpId);
    return false;
  }

  add(corpId: string): void {
    this.until.delete(corpId);
    this.until.set(corpId, this.now() + UNKNOWN_CORP_TTL_MS);
    if (this.until.size > UNKNOWN_CORP_MAX_ENTRIES) this.until.delete(this.until.keys().next().value as string);
  }

  delete(corpId: string): void {
    this.until.delete(corpId);
  }

  /** Takes one lookup from the budget; `false` when this minute's budget is spent. */
  mayLookUp(): boolean {
    const now = this.now();
    if (now - this.windowStart >= LOOKUP_WINDOW_MS) {
      this.windowStart = now;
      this.lookups = 0;
    }
    if (this.lookups >= LOOKUP_BUDGET) return false;
    this.lookups++;
    return true;
  }
}
