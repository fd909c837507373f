import { createHash } from 'node:crypto';
// Type-only: nothing here may load ioredis at run time (it is an optional peer dependency).
import type { Redis } from 'ioredis';
import { errorMessage } from '../internal/safe-error.util.js';

/**
 * A Lua script run with EVALSHA (falling back to EVAL when Redis has not cached it, e.g. after a restart).
 * Scripts are how RedisStore stays atomic: Redis runs each one without interleaving other commands.
 *
 * Every script's KEYS must hash to one Redis Cluster slot: single-key scripts trivially do; SAVE_JOB and
 * READ_PENDING rely on the `{corpId}` hash tag of `redisJobKey` / `redisPendingKey`.
 */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] the token hash; ARGV token, fetchedAt, expiresAt, ttl. Never replaces a token with one fetched earlier:
 * a slow refresher must not overwrite a newer token (the race that makes peers flap between tokens).
 */
export const SET_TOKEN = script(`
local current = redis.call('HGET', KEYS[1], 'fetchedAt')
if current and tonumber(current) > tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'fetchedAt', ARGV[2], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`);

/**
 * KEYS[1] the token hash; ARGV the token. Compare-and-invalidate: concurrent failures of an old token must not
 * drop the one just refreshed.
 */
export const INVALIDATE_TOKEN = script(`
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

/**
 * KEYS[1] a lock or mark; ARGV value, ttl, '1' to refresh the TTL when it is already ours. SET NX PX, but
 * idempotent for the same caller: ioredis re-sends a command whose reply was lost when the connection dropped,
 * and a bare SET NX would then report our own lock (or mark) as someone else's.
 */
export const SET_IF_ABSENT_OR_MINE = script(`
local value = redis.call('GET', KEYS[1])
if value == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if value == ARGV[1] then
  if ARGV[3] == '1' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return 1
end
return 0`);

/** KEYS[1] a lock; ARGV lease id, ttl. Extends the lease only while it is still ours. */
export const EXTEND_IF_MINE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`);

/** KEYS[1] a lock; ARGV lease id. Releases the lock only while it is still ours. */
export const DELETE_IF_MINE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

/**
 * KEYS[1] the job, KEYS[2] the corp's pending index (same slot: `{corpId}` tag); ARGV json, ttl, job id, '1' when
 * pending. The record and the index change together, so a crash or outage never leaves a pending job missing
 * from the index (it would not be resumed) or a completed one in it.
 */
export const SAVE_JOB = script(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[2], ARGV[3])
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
else
  redis.call('SREM', KEYS[2], ARGV[3])
end
return 1`);

/**
 * KEYS[1] the corp's pending index, KEYS[2..] its jobs (same slot: `{corpId}` tag); ARGV their ids. Reads the
 * listed jobs and drops from the index the ids whose record has expired, in one step, so a record re-saved
 * meanwhile cannot be dropped by mistake.
 */
export const READ_PENDING = script(`
local records = {}
for i = 2, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then
    records[#records + 1] = value
  else
    redis.call('SREM', KEYS[1], ARGV[i - 1])
  end
end
return records`);

/** How many ids one READ_PENDING call handles, to keep each script call (and its blocking time) small. */
export const PENDING_BATCH = 500;

/**
 * Runs `s` with EVALSHA, loading it with EVAL when Redis does not have it cached (first use, restart, flush) —
 * unless `stillWanted()` says the caller has given up meanwhile (a lock nobody will hold must not be taken).
 */
export async function evalScript(
  redis: Redis,
  s: RedisScript,
  keys: string[],
  args: (string | number)[],
  stillWanted: () => boolean = () => true,
): Promise<unknown> {
  try {
    return await redis.evalsha(s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!errorMessage(error).startsWith('NOSCRIPT') || !stillWanted()) throw error;
    return redis.eval(s.source, keys.length, ...keys, ...args);
  }
}
