import { randomUUID } from 'node:crypto';
import { freezeDeep } from '../internal/freeze-deep.util.js';
import type { BatchResultRow } from '../model/batch-job.types.js';
import type { JobRecord, TokenRecord, WeComBatchStore } from './wecom-batch-store.interface.js';

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Clock in epoch ms, for tests that move time.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * The default store: state lives in this process only. Right for a single instance; with several
 * instances use `RedisStore`, or callbacks landing on another instance are not seen here.
 */
export class MemoryStore implements WeComBatchStore {
  private readonly now: () => number;
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly locks = new Map<string, Expiring<string>>();
  private readonly marks = new Map<string, number>();
  private readonly jobs = new Map<string, Expiring<JobRecord>>();
  /** Result-row chunks as JSON text: a 1,000,000-row result costs ~50 MB as text, ~3× that as objects. */
  private readonly chunks = new Map<string, Expiring<string>>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  private writesSinceSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async getToken(key: string): Promise<TokenRecord | null> {
    const record = this.tokens.get(key);
    return record ? { ...record } : null;
  }

  async setToken(key: string, record: TokenRecord): Promise<void> {
    const current = this.tokens.get(key);
    if (current && current.fetchedAt > record.fetchedAt) return;
    this.tokens.set(key, { ...record });
  }

  async invalidateToken(key: string, token: string): Promise<boolean> {
    if (this.tokens.get(key)?.token !== token) return false;
    this.tokens.delete(key);
    return true;
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    const held = this.locks.get(name);
    if (held && held.expiresAt > this.now()) return null;
    const leaseId = randomUUID();
    this.locks.set(name, { value: leaseId, expiresAt: this.now() + ttlMs });
    return leaseId;
  }

  async extendLock(name: string, leaseId: string, ttlMs: number): Promise<boolean> {
    const held = this.locks.get(name);
    if (!held || held.value !== leaseId || held.expiresAt <= this.now()) return false;
    held.expiresAt = this.now() + ttlMs;
    return true;
  }

  async releaseLock(name: string, leaseId: string): Promise<boolean> {
    const held = this.locks.get(name);
    if (!held || held.value !== leaseId) return false;
    this.locks.delete(name);
    return held.expiresAt > this.now();
  }

  async setOnce(key: string, ttlMs: number): Promise<boolean> {
    const expiresAt = this.marks.get(key);
    if (expiresAt !== undefined && expiresAt > this.now()) return false;
    this.marks.set(key, this.now() + ttlMs);
    this.sweepNowAndThen();
    return true;
  }

  /**
   * Keeps `record` itself, frozen (with everything in it), instead of a copy: a finished job carries up to
   * 100k result rows, and copying them on every read and write blocked the event loop for tens of ms. Frozen,
   * the stored record still cannot be changed by accident through an object a caller holds.
   */
  async saveJob(record: JobRecord, ttlMs: number): Promise<void> {
    this.jobs.set(jobKey(record.corpId, record.jobId), { value: freezeDeep(record), expiresAt: this.now() + ttlMs });
    this.sweepNowAndThen();
  }

  /** The stored record itself, frozen (see `saveJob`). */
  async getJob(corpId: string, jobId: string): Promise<JobRecord | null> {
    const entry = this.jobs.get(jobKey(corpId, jobId));
    if (!entry || entry.expiresAt <= this.now()) return null;
    return entry.value;
  }

  /**
   * Keeps the chunk as JSON text, not as the rows themselves: compact (the rows of a big job stay in memory for
   * `jobRecordTtlSeconds`), and every reader gets rows of its own that it may change.
   */
  async saveResultChunk(
    corpId: string,
    jobId: string,
    index: number,
    rows: BatchResultRow[],
    ttlMs: number,
  ): Promise<void> {
    this.chunks.set(chunkKey(corpId, jobId, index), { value: JSON.stringify(rows), expiresAt: this.now() + ttlMs });
    this.sweepNowAndThen();
  }

  async getResultChunk(corpId: string, jobId: string, index: number): Promise<BatchResultRow[] | null> {
    const entry = this.chunks.get(chunkKey(corpId, jobId, index));
    if (!entry || entry.expiresAt <= this.now()) return null;
    return JSON.parse(entry.value) as BatchResultRow[];
  }

  async listPendingJobs(corpId: string): Promise<JobRecord[]> {
    const now = this.now();
    return [...this.jobs.values()]
      .filter((e) => e.expiresAt > now && e.value.corpId === corpId && e.value.status === 'pending')
      .map((e) => e.value);
  }

  async publish(channel: string, message: string): Promise<void> {
    for (const handler of [...(this.channels.get(channel) ?? [])]) {
      // Deliver asynchronously, like a real pub/sub: a publisher never runs subscriber code inline.
      queueMicrotask(() => handler(message));
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    let handlers = this.channels.get(channel);
    if (!handlers) this.channels.set(channel, (handlers = new Set()));
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.channels.delete(channel);
    };
  }

  /**
   * Drops expired entries so a long-running process does not accumulate them: after at least 1,000 writes and
   * at least as many writes as there are entries, so a sweep's cost is spread over the writes before it (O(1)
   * per write however many jobs are held, where a sweep every 1,000 writes cost O(entries) each time).
   */
  private sweepNowAndThen(): void {
    const entries = this.marks.size + this.jobs.size + this.chunks.size + this.locks.size;
    if (++this.writesSinceSweep < Math.max(1000, entries)) return;
    this.writesSinceSweep = 0;
    const now = this.now();
    for (const [key, expiresAt] of this.marks) if (expiresAt <= now) this.marks.delete(key);
    for (const [key, entry] of this.jobs) if (entry.expiresAt <= now) this.jobs.delete(key);
    for (const [key, entry] of this.chunks) if (entry.expiresAt <= now) this.chunks.delete(key);
    for (const [key, entry] of this.locks) if (entry.expiresAt <= now) this.locks.delete(key);
  }
}

function jobKey(corpId: string, jobId: string): string {
  return `${corpId}\u0000${jobId}`;
}

function chunkKey(corpId: string, jobId: string, index: number): string {
  return `${corpId}\u0000${jobId}\u0000${index}`;
}
