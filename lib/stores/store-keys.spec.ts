import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { RedisStore } from './redis.store.js';
import { redisJobKey, redisKey, redisPendingKey, STORE_KEYS } from './store-keys.js';
import type { JobRecord } from './wecom-batch-store.interface.js';

// Redis Cluster runs a multi-key script only when all its KEYS hash to one slot (else CROSSSLOT). The slot is
// CRC16/XMODEM of the key's hash tag (the text between the first `{` and the next `}`, when not empty) mod 16384.
function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const tag = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(tag) % 16384;
}

/** A stand-in ioredis client that records the KEYS of every script call. */
function recordingClient(pendingIds: string[]): { client: Redis; scriptKeys: string[][] } {
  const scriptKeys: string[][] = [];
  const evalsha = async (_sha: string, count: number, ...rest: string[]): Promise<unknown> => {
    scriptKeys.push(rest.slice(0, count));
    return count > 2 ? [] : 1; // READ_PENDING (pending index + jobs) reads nothing
  };
  const client = {
    status: 'ready',
    options: {},
    evalsha,
    duplicate: () => client,
    publish: async () => 1,
    hgetall: async () => ({}),
    get: async () => null,
    smembers: async () => pendingIds,
  };
  return { client: client as unknown as Redis, scriptKeys };
}

const job = (corpId: string, jobId: string): JobRecord => ({
  corpId,
  jobId,
  jobType: 'sync_user',
  submittedAt: 1,
  status: 'pending',
});

describe('store keys', () => {
  it('knows the slot function (the examples of the Redis Cluster specification)', () => {
    expect(keySlot('123456789')).toBe(crc16('123456789') % 16384);
    expect(crc16('123456789')).toBe(0x31c3);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('foo{}{bar}')).toBe(crc16('foo{}{bar}') % 16384);
  });

  it.each(['ww0123', 'corp:with:colons', 'we{ird}corp', '企业'])(
    'puts every script call of RedisStore in one hash slot (corp id %p)',
    async (corpId) => {
      const ids = Array.from({ length: 3 }, (_, i) => `job-${i}:x`);
      const { client, scriptKeys } = recordingClient(ids);
      const store = new RedisStore(client, { keyPrefix: 'app:' });
      await store.setToken(STORE_KEYS.token(corpId, 'cred'), { token: 't', fetchedAt: 1, expiresAt: Date.now() + 1e4 });
      await store.invalidateToken(STORE_KEYS.token(corpId, 'cred'), 't');
      const lock = STORE_KEYS.completionLock(corpId, 'job-1');
      const lease = await store.acquireLock(lock, 1000);
      await store.extendLock(lock, lease!, 1000);
      await store.releaseLock(lock, lease!);
      await store.setOnce(STORE_KEYS.callbackMark(corpId, 'job-1'), 1000);
      await store.saveJob(job(corpId, 'job-1'), 1000);
      await store.listPendingJobs(corpId);
      expect(scriptKeys).toHaveLength(8);
      expect(scriptKeys.find((keys) => keys.length === 2)).toEqual([
        redisJobKey('app:', corpId, 'job-1'),
        redisPendingKey('app:', corpId),
      ]);
      expect(scriptKeys.at(-1)).toHaveLength(1 + ids.length);
      for (const keys of scriptKeys) expect(new Set(keys.map(keySlot)).size).toBe(1);
    },
  );

  it('never doubles a segment: each store kind appears once in every key built from STORE_KEYS', () => {
    const names = [
      redisKey('wecom-batch:', 'token', STORE_KEYS.token('corp', 'cred')),
      redisKey('wecom-batch:', 'lock', STORE_KEYS.tokenRefreshLock('corp', 'cred')),
      redisKey('wecom-batch:', 'lock', STORE_KEYS.importSlotLock('corp')),
      redisKey('wecom-batch:', 'lock', STORE_KEYS.jobRecordLock('corp', 'job')),
      redisKey('wecom-batch:', 'lock', STORE_KEYS.completionLock('corp', 'job')),
      redisKey('wecom-batch:', 'once', STORE_KEYS.callbackMark('corp', 'job')),
      redisKey('wecom-batch:', 'channel', STORE_KEYS.jobsCompletedChannel('corp')),
      redisJobKey('wecom-batch:', 'corp', 'job'),
      redisPendingKey('wecom-batch:', 'corp'),
    ];
    expect(names).toEqual([
      'wecom-batch:token:corp:cred',
      'wecom-batch:lock:token-refresh:corp:cred',
      'wecom-batch:lock:import:corp',
      'wecom-batch:lock:job:corp:job',
      'wecom-batch:lock:complete:corp:job',
      'wecom-batch:once:callback:corp:job',
      'wecom-batch:channel:jobs-completed:corp',
      'wecom-batch:job:{corp}:job',
      'wecom-batch:pending:{corp}',
    ]);
    for (const name of names) expect(name).not.toMatch(/(?:^|:)([a-z-]+):\1:/);
  });

  it('encodes ids so that neither a colon nor a brace in them can make two keys collide or move the tag', () => {
    expect(redisJobKey('p:', 'a:b', 'c')).not.toBe(redisJobKey('p:', 'a', 'b:c'));
    expect(redisJobKey('p:', 'a}b', 'c')).toBe('p:job:{a%7Db}:c');
    expect(keySlot(redisJobKey('p:', 'a}b', 'c'))).toBe(keySlot(redisPendingKey('p:', 'a}b')));
  });
});
