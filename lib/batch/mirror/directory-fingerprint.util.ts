import type { DirectoryFingerprint } from './mirror-plan.types.js';

const FNV_PRIME = 0x01000193;

/**
 * An order-independent digest of a multiset of entries (a text, optionally with a number): each entry hashed twice
 * (FNV-1a, two offset bases), the hashes summed modulo 2^32. Order-independent so the same directory digests the
 * same whether it came from the export (member by member) or from `user/list_id` (one row per member and
 * department, any order) — and without sorting 100,000 entries or building a string per entry. Not a defence
 * against forged input: it detects changes of a real directory.
 */
export class MultisetDigest {
  private a = 0;
  private b = 0;
  count = 0;

  /** Adds `text` (and `n`, when given: `(text, n)` is one entry). */
  add(text: string, n?: number): void {
    let h1 = 0x811c9dc5;
    let h2 = 0x050c5d1f;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, FNV_PRIME);
      h2 = Math.imul(h2 ^ c, FNV_PRIME);
    }
    if (n !== undefined) {
      // A separator no userid contains, then the number's 32-bit halves.
      h1 = Math.imul(h1 ^ 0xffff, FNV_PRIME);
      h2 = Math.imul(h2 ^ 0xffff, FNV_PRIME);
      for (const part of [n >>> 0, Math.floor(n / 2 ** 32) >>> 0]) {
        h1 = Math.imul(h1 ^ part, FNV_PRIME);
        h2 = Math.imul(h2 ^ part, FNV_PRIME);
      }
    }
    this.a = (this.a + (h1 >>> 0)) >>> 0;
    this.b = (this.b + (h2 >>> 0)) >>> 0;
    this.count++;
  }

  digest(): string {
    return `${this.count.toString(16)}-${this.a.toString(16).padStart(8, '0')}${this.b.toString(16).padStart(8, '0')}`;
  }
}

/** Builds a {@link DirectoryFingerprint} member by member and department by department. */
export class FingerprintBuilder {
  private readonly ids = new MultisetDigest();
  private readonly memberships = new MultisetDigest();
  private readonly tree = new MultisetDigest();

  /** A member and all its departments (the export's shape); `key` is the lower-cased userid. */
  member(key: string, departments: readonly number[]): void {
    this.ids.add(key);
    for (const id of departments) this.memberships.add(key, id);
  }

  /** A member's id alone (`user/list_id`: then one {@link membership} per row). */
  memberId(key: string): void {
    this.ids.add(key);
  }

  /** One (member, department) pair. */
  membership(key: string, department: number): void {
    this.memberships.add(key, department);
  }

  /** A department and its parent, as one entry. */
  department(id: number, parentId: number): void {
    this.tree.add(String(id), parentId);
  }

  build(): DirectoryFingerprint {
    return {
      members: this.ids.count,
      departments: this.tree.count,
      memberIds: this.ids.digest(),
      memberships: this.memberships.digest(),
      tree: this.tree.digest(),
    };
  }
}
