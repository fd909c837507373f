/** Table size an empty {@link FirstSeen} starts with (slots; it doubles as keys arrive). */
const INITIAL_SLOTS = 1024;
/** Entries per chunk of keys and rows (2^12). */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
/** Largest table {@link FirstSeen.reserve} allocates ahead (2^23 slots, 64 MiB: about 4,000,000 keys). */
const MAX_RESERVED_SLOTS = 1 << 23;

/**
 * A different seed in each process, so which keys collide cannot be worked out in advance (the rows may come
 * from an upload), as V8 seeds its own string hashes.
 */
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/**
 * Which string keys were seen, and at which row first: what `Map<string, number>` did for the duplicate rules,
 * in about half the CPU time and without a long rehash. Measured with the member check's keys at 1,000,000
 * rows: three Maps (userid, mobile, e-mail) 1.7–2.3 s, three reserved FirstSeen tables 0.7–1.1 s. A Map insert
 * is a lookup then a set, each a few cache misses through V8's chained buckets and the strings' headers, and
 * the Map rehashes itself whole as it grows (the three in the same row). Here a key costs one hash over its
 * characters and, usually, one probe into a flat `Int32Array` (hash and entry side by side, open addressing);
 * the key itself is read only when the hashes match.
 */
export class FirstSeen {
  /** Pairs `[hash, entry + 1]`; entry 0 marks an empty slot. Allocated at the first key. */
  private slots?: Int32Array;
  private mask = 0;
  /** Slots to start with, from {@link reserve}. */
  private initialSlots = INITIAL_SLOTS;
  /**
   * Each entry's key and the row it was first seen in, by entry number, in chunks of {@link CHUNK} entries:
   * one growing array would copy itself whole from time to time, and the member check's six would do so in
   * the same row (measured: 70–90 ms in one row at 870,000 rows).
   */
  private readonly keys: string[][] = [];
  private readonly rows: Int32Array[] = [];
  private entries = 0;

  /** Number of distinct keys seen. */
  get size(): number {
    return this.entries;
  }

  /**
   * Sizes the table for about `count` keys before the first one arrives, so it never grows: growing copies
   * the whole table in one go (some 10–20 ms at 1,000,000 keys, and the member check's three tables would
   * grow in the same row). Nothing is allocated until a key is added, so a field no row uses costs nothing.
   */
  reserve(count: number): void {
    if (this.slots) return;
    let slots = INITIAL_SLOTS;
    while (slots < count * 2 && slots < MAX_RESERVED_SLOTS) slots *= 2;
    this.initialSlots = slots;
  }

  /**
   * Records `key` as seen in row `index` if it is new and returns -1; otherwise returns the row it was first
   * seen in (and records nothing).
   */
  firstOrAdd(key: string, index: number): number {
    const hash = hashOf(key);
    const slots = this.slots ?? this.allocate();
    const mask = this.mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1];
      if (entry === 0) {
        const e = this.entries++;
        slots[slot * 2] = hash;
        slots[slot * 2 + 1] = e + 1;
        if ((e & CHUNK_MASK) === 0) {
          this.keys.push(new Array<string>(CHUNK));
          this.rows.push(new Int32Array(CHUNK));
        }
        this.keys[e >>> CHUNK_BITS][e & CHUNK_MASK] = key;
        this.rows[e >>> CHUNK_BITS][e & CHUNK_MASK] = index;
        // At most half full: linear probing stays at about one probe per key.
        if (this.entries * 2 > mask) this.grow();
        return -1;
      }
      if (slots[slot * 2] === hash) {
        const e = entry - 1;
        if (this.keys[e >>> CHUNK_BITS][e & CHUNK_MASK] === key) return this.rows[e >>> CHUNK_BITS][e & CHUNK_MASK];
      }
    }
  }

  private allocate(): Int32Array {
    this.mask = this.initialSlots - 1;
    this.slots = new Int32Array(this.initialSlots * 2);
    return this.slots;
  }

  private grow(): void {
    const old = this.slots!;
    const mask = ((this.mask + 1) << 1) - 1;
    const slots = new Int32Array((mask + 1) * 2);
    for (let i = 0; i < old.length; i += 2) {
      const entry = old[i + 1];
      if (entry === 0) continue;
      let slot = old[i] & mask;
      while (slots[slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
      slots[slot * 2] = old[i];
      slots[slot * 2 + 1] = entry;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** FNV-1a over the UTF-16 code units, seeded, then MurmurHash3's finaliser so that similar keys spread out. */
function hashOf(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
