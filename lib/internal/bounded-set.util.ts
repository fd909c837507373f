/**
 * A set that keeps at most `capacity` members and forgets the oldest first (insertion order): for the in-memory
 * marks an instance keeps about jobs (abandoned, submitted here), which must stay bounded however long it runs.
 */
export class BoundedSet<T> implements Iterable<T> {
  private readonly members = new Set<T>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.members.size;
  }

  has(value: T): boolean {
    return this.members.has(value);
  }

  /** Adds `value` as the newest member (again: it becomes the newest), dropping the oldest beyond `capacity`. */
  add(value: T): void {
    this.members.delete(value);
    this.members.add(value);
    if (this.members.size > this.capacity) this.members.delete(this.members.values().next().value as T);
  }

  delete(value: T): boolean {
    return this.members.delete(value);
  }

  /** The members, oldest first; deleting while iterating is safe (a `Set`'s iterator allows it). */
  [Symbol.iterator](): Iterator<T> {
    return this.members.values();
  }
}
