/** The signed query parameters of a delivery (the verifier's `SignedCallbackParams`). */
interface SignedQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

/** How many verified deliveries are remembered: WeCom retries a delivery within seconds, a few times. */
export const RECENT_VERIFICATIONS_CAPACITY = 1_024;

interface Entry<V> {
  timestamp: string;
  nonce: string;
  encrypted: string;
  verified: V;
}

/**
 * The last verified deliveries, by signature: a delivery that arrives again byte for byte (WeCom's retries, or a
 * replay of a captured one) gets the same verification without its SHA-1 and AES work — the bulk of a duplicate's
 * cost in a flood of them. Verification is a pure function of (signature, timestamp, nonce, Encrypt) and the
 * configured keys, so a hit answers exactly what recomputing would; the replay window is still checked on every
 * delivery by the verifier. Only deliveries that passed verification enter, so forged ones cannot fill it; it keeps
 * at most {@link RECENT_VERIFICATIONS_CAPACITY} entries (about 1 KB each), forgetting the oldest first.
 */
export class RecentVerifications<V extends object> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly capacity = RECENT_VERIFICATIONS_CAPACITY) {}

  /** The verification of exactly this delivery, if it was verified recently. */
  get(params: SignedQuery, encrypted: string): V | undefined {
    const entry = this.entries.get(params.msg_signature);
    return entry !== undefined &&
      entry.timestamp === params.timestamp &&
      entry.nonce === params.nonce &&
      entry.encrypted === encrypted
      ? entry.verified
      : undefined;
  }

  /** Remembers a delivery that passed verification (its result frozen: every later hit shares it). */
  remember(params: SignedQuery, encrypted: string, verified: V): V {
    const { msg_signature: signature, timestamp, nonce } = params;
    Object.freeze(verified);
    this.entries.delete(signature);
    this.entries.set(signature, { timestamp, nonce, encrypted, verified });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return verified;
  }

  /** How many deliveries are remembered. */
  get size(): number {
    return this.entries.size;
  }
}
