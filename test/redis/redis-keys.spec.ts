import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisStore } from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORP, members, startBatchApp, startSimulator } from '../e2e/helpers/batch-app.js';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';

// The README's "Keys in Redis" table is the documentation of what RedisStore leaves in a user's Redis: this runs a
// real sync (submission, callback, completion) through RedisStore and checks every key and channel the server saw
// against the table — pattern, type and TTL — in both directions.

const KEY_PREFIX = 'wecom-batch:'; // the default: the README documents the keys a default setup writes
const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

interface TableRow {
  pattern: string;
  regex: RegExp;
  type: string;
  /** Longest TTL in ms, or null for a row without one (a channel). */
  maxTtlMs: number | null;
}

interface SeenKey {
  /** From TYPE while the key existed, else from the command that wrote it (short-lived locks). */
  type?: string;
  /** PTTL while the key existed. */
  pttl?: number;
  /** True once Redis reported an expiry set on it (`expire` event), or a positive PTTL was read. */
  hasTtl: boolean;
}

/** The rows of the README table under "Keys in Redis". */
function readKeyTable(): TableRow[] {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const section = readme.split(/^#+ Keys in Redis$/m)[1];
  if (section === undefined) throw new Error('README.md has no "Keys in Redis" section');
  // The table is the first run of `|` lines after the heading: its header, the separator, then one row per key.
  const all = section.split('\n');
  const start = all.findIndex((line) => line.startsWith('|'));
  const end = all.findIndex((line, i) => i > start && !line.startsWith('|'));
  return all.slice(start + 2, end).map((line) => {
    const [pattern, type, ttl] = line
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim().replace(/`/g, ''));
    const duration = /(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)\b/.exec(ttl);
    const source = pattern
      .split(/(<[a-zA-Z]+>)/)
      .map((part) => {
        if (part === '<keyPrefix>') return escape(KEY_PREFIX);
        if (part === '<corpId>') return escape(encodeURIComponent(CORP.corpId));
        if (/^<[a-zA-Z]+>$/.test(part)) return '[^:{}]+';
        return escape(part);
      })
      .join('');
    return {
      pattern,
      regex: new RegExp(`^${source}$`),
      type,
      maxTtlMs: duration ? Number(duration[1]) * UNITS_MS[duration[2]] : null,
    };
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The type a write command gives its key, for keys gone before TYPE could be asked. */
const TYPE_OF_EVENT: Record<string, string> = { set: 'string', hset: 'hash', sadd: 'set' };

describeWithRedis('the keys RedisStore writes, against the README table', () => {
  let server: RedisServerHandle;
  let sim: WeComSimulator;

  beforeAll(async () => {
    server = await startRedisServer();
    sim = await startSimulator();
  });

  afterAll(async () => {
    await sim?.close();
    await server?.stop();
  });

  it('a sync with a callback writes exactly the keys and channels of the table, with their types and TTLs', async () => {
    const admin = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    const watcher = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    const client = new Redis(server.port, server.host, { maxRetriesPerRequest: 2 });
    const seen = new Map<string, SeenKey>();
    const channels = new Set<string>();
    try {
      // Keyspace notifications name every key a command touches, even a lock that lives a few milliseconds.
      await admin.config('SET', 'notify-keyspace-events', 'KA');
      await watcher.psubscribe('__keyspace@0__:*');
      const inspections: Promise<void>[] = [];
      watcher.on('pmessage', (_pattern: string, channel: string, event: string) => {
        const key = channel.slice('__keyspace@0__:'.length);
        const entry = seen.get(key) ?? { hasTtl: false };
        seen.set(key, entry);
        entry.type ??= TYPE_OF_EVENT[event];
        if (event === 'expire') entry.hasTtl = true;
        inspections.push(inspect(admin, key, entry));
      });

      const app = await startBatchApp(sim, 'express', false, { store: new RedisStore(client) });
      try {
        const job = await app.batch.syncUsers({ users: members(3, 'keys') });
        const done = await job.wait({ timeoutMs: 20_000 });
        expect(done).toMatchObject({ errCode: 0, source: 'callback', failedRows: 0 });
        for (const name of (await admin.pubsub('CHANNELS', '*')) as string[]) channels.add(name);
        // What the server holds once the job completed (the long-lived keys), with their types and TTLs.
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'COUNT', 100);
          cursor = next;
          for (const key of keys) {
            const entry = seen.get(key) ?? { hasTtl: false };
            seen.set(key, entry);
            await inspect(admin, key, entry);
          }
        } while (cursor !== '0');
      } finally {
        await app.close();
      }
      await Promise.all(inspections);
    } finally {
      await Promise.all([admin.quit(), watcher.quit(), client.quit()]);
    }

    const table = readKeyTable();
    expect(table.length).toBeGreaterThan(0);
    const unmatched: string[] = [];
    const used = new Set<TableRow>();
    for (const [key, entry] of seen) {
      expect(key).not.toMatch(/token:token|lock:lock|(?:^|:)([^:]+):\1:/);
      const row = table.find((r) => r.type !== 'channel' && r.regex.test(key));
      if (!row) {
        unmatched.push(key);
        continue;
      }
      used.add(row);
      expect({ key, type: entry.type }).toEqual({ key, type: row.type });
      // Nothing the store writes lives forever, nor longer than the table says.
      expect({ key, hasTtl: entry.hasTtl }).toEqual({ key, hasTtl: true });
      if (entry.pttl !== undefined && row.maxTtlMs !== null) {
        expect({ key, withinTtl: entry.pttl <= row.maxTtlMs }).toEqual({ key, withinTtl: true });
      }
    }
    for (const channel of channels) {
      expect(channel).not.toMatch(/channel:channel|(?:^|:)([^:]+):\1:/);
      const row = table.find((r) => r.type === 'channel' && r.regex.test(channel));
      if (row) used.add(row);
      else unmatched.push(channel);
    }
    expect(unmatched).toEqual([]);
    // Result-row chunks exist only for jobs over 10,000 rows: test/e2e/large-redis.spec.ts sees them (and their size).
    const unseen = table.filter((row) => !used.has(row) && !row.pattern.includes('}:<jobId>:<index>'));
    expect(unseen.map((row) => row.pattern)).toEqual([]);
  });
});

/** Records the key's type and PTTL while it still exists. */
async function inspect(admin: Redis, key: string, entry: SeenKey): Promise<void> {
  const [[, type], [, pttl]] = (await admin.multi().type(key).pttl(key).exec()) as [
    [unknown, string],
    [unknown, number],
  ];
  if (type === 'none') return;
  entry.type = type;
  entry.pttl = pttl;
  if (pttl > 0) entry.hasTtl = true;
}
