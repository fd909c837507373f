// The check of the whole-run telemetry guard (./otel-leak-guard.ts), kept apart from jest so that
// test/e2e/otel-leak-guard.spec.ts can feed it a planted leak and see it reported.

/**
 * What must never reach a span or a metric: value → what it is (`corp secret of ww…`, `access token`,
 * `member mobile` — named in failure messages instead of the value). A map: the same member comes from the
 * directory and from the uploaded file.
 */
export type ForbiddenValues = ReadonlyMap<string, string>;

/** A string recorded in telemetry and where: `span "GET gettoken" attribute "url.full"`. */
export interface RecordedText {
  where: string;
  text: string;
}

/** One forbidden value found in one recorded text. */
export interface TelemetryLeak {
  where: string;
  kind: string;
  /** The value masked (first and last character, and its length): enough to find it, not to use it. */
  hint: string;
}

/**
 * Shorter values are not searched: an ASCII name like `A` or `Bob` would match inside `GET` or a span name.
 * Secrets, tokens, keys, mobiles and e-mails are all longer; CJK names (two characters and up) are searched.
 */
const MIN_ASCII_LENGTH = 6;
const MIN_OTHER_LENGTH = 2;

/** `Ba…ef (35 chars)`: says which value leaked without printing it. */
export function maskValue(value: string): string {
  const chars = [...value];
  if (chars.length <= 4) return `${chars[0] ?? ''}… (${chars.length} chars)`;
  return `${chars[0]}${chars[1]}…${chars.at(-2)}${chars.at(-1)} (${chars.length} chars)`;
}

/** True when `value` is long enough to be searched without false matches (see {@link MIN_ASCII_LENGTH}). */
export function isSearchable(value: string): boolean {
  // eslint-disable-next-line no-control-regex -- ASCII range test, not a control-character match
  return value.length >= (/^[\x00-\x7f]*$/.test(value) ? MIN_ASCII_LENGTH : MIN_OTHER_LENGTH);
}

/**
 * Every occurrence of a forbidden value inside a recorded text (substring match: a token inside `url.full`
 * counts). A file may know half a million values (a 250,000-row sync) and record a few hundred short texts, or
 * the other way round, so the smaller side is indexed: either every substring of the texts (of the lengths the
 * values have) is put in a set and each value looked up, or the values are put in a map by length and each text
 * scanned. Only the values found are then located, text by text.
 */
export function findLeaks(texts: Iterable<RecordedText>, forbidden: ForbiddenValues): TelemetryLeak[] {
  const lengths = new Set<number>();
  for (const value of forbidden.keys()) lengths.add(value.length);
  const recorded = [...texts];
  let pieces = 0;
  for (const { text } of recorded) for (const length of lengths) pieces += Math.max(0, text.length - length + 1);
  const found = new Map<string, string>();
  if (pieces > forbidden.size * 4) {
    for (const [value, kind] of forbidden) if (isSearchable(value)) found.set(value, kind);
    return locate(recorded, found);
  }
  const present = new Set<string>();
  for (const { text } of recorded) {
    for (const length of lengths) {
      for (let at = 0; at + length <= text.length; at++) present.add(text.slice(at, at + length));
    }
  }
  for (const [value, kind] of forbidden) if (present.has(value) && isSearchable(value)) found.set(value, kind);
  return locate(recorded, found);
}

/** Scans each text for the values, indexed by length: texts' total length × distinct lengths. */
function locate(texts: readonly RecordedText[], values: ReadonlyMap<string, string>): TelemetryLeak[] {
  const byLength = new Map<number, Map<string, string>>();
  for (const [value, kind] of values) {
    let bucket = byLength.get(value.length);
    if (!bucket) byLength.set(value.length, (bucket = new Map()));
    bucket.set(value, kind);
  }
  const leaks: TelemetryLeak[] = [];
  const seen = new Set<string>();
  for (const { where, text } of texts) {
    for (const [length, bucket] of byLength) {
      for (let at = 0; at + length <= text.length; at++) {
        const piece = text.slice(at, at + length);
        const kind = bucket.get(piece);
        if (kind === undefined) continue;
        const id = `${where}\n${piece}`;
        if (seen.has(id)) continue;
        seen.add(id);
        leaks.push({ where, kind, hint: maskValue(piece) });
      }
    }
  }
  return leaks;
}

/** The failure message: one line per leak, where it was and what leaked (masked). */
export function describeLeaks(leaks: readonly TelemetryLeak[]): string {
  return [
    `${leaks.length} secret or personal value(s) found in telemetry:`,
    ...leaks.map((leak) => `  ${leak.where} contains a ${leak.kind}: ${leak.hint}`),
  ].join('\n');
}
