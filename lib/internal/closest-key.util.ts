/**
 * The known key a misspelt one most likely meant, for "did you mean …?" hints in option and row errors.
 *
 * Distance is the optimal-string-alignment edit distance (insert, delete, substitute, swap two neighbours), case
 * ignored, so `callbak` → `callback`, `deparment` → `departments`, `encodingAesKey` → `encodingAESKey`. A key
 * that starts another one (`callbackGrace` → `callbackGraceMs`) counts as close whatever the length difference.
 * Beyond a third of the word's length (at least 2; 1 for words of up to 3 letters) nothing is suggested: a wrong
 * hint costs more than none.
 */
export function closestKey(word: string, candidates: Iterable<string>): string | undefined {
  const needle = word.toLowerCase();
  const limit = needle.length <= 3 ? 1 : Math.max(2, Math.ceil(needle.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const hay = candidate.toLowerCase();
    const prefix = needle.length >= 4 && (hay.startsWith(needle) || needle.startsWith(hay));
    const distance = prefix ? Math.min(1, editDistance(needle, hay)) : editDistance(needle, hay);
    if ((distance <= limit || prefix) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Three rolling rows: the swap of two neighbours looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length];
}
