import { describe, expect, it } from '@jest/globals';
import type { AccessTokenManager } from '../client/access-token.manager.js';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { MemoryStore } from '../stores/memory.store.js';
import { TOKEN_CHECK_REUSE_MS, TokenHealthProbe } from './token-health.probe.js';

function setup(fail: () => WeComApiError | undefined) {
  const store = new MemoryStore();
  let now = 1_000_000;
  let fetches = 0;
  const tokens = {
    key: 'token-key',
    getToken: async () => {
      fetches += 1;
      const error = fail();
      if (error) throw error;
      await store.setToken('token-key', { token: 'T0KEN-123456', fetchedAt: now, expiresAt: now + 7_200_000 });
      return 'T0KEN-123456';
    },
  } as unknown as AccessTokenManager;
  const probe = new TokenHealthProbe(tokens, store, () => now);
  return { probe, store, fetches: () => fetches, advance: (ms: number) => (now += ms) };
}

const badSecret = new WeComApiError({
  kind: 'config',
  endpoint: 'gettoken',
  errcode: 40001,
  errmsg: 'invalid credential',
  retryable: false,
});
const busy = new WeComApiError({
  kind: 'api',
  endpoint: 'gettoken',
  errcode: -1,
  errmsg: 'system busy',
  retryable: true,
});

describe('TokenHealthProbe', () => {
  it('fetches once when nothing is cached, then answers from the store', async () => {
    const { probe, fetches } = setup(() => undefined);
    expect(await probe.check()).toEqual({ state: 'obtained' });
    expect(await probe.check()).toMatchObject({ state: 'cached', expiresInSeconds: 7200 });
    expect(fetches()).toBe(1);
  });

  it('never retries a configuration error, however long it waits', async () => {
    const { probe, fetches, advance } = setup(() => badSecret);
    for (let i = 0; i < 10; i++) {
      expect(await probe.check()).toMatchObject({ state: 'config_error', errcode: 40001 });
      advance(TOKEN_CHECK_REUSE_MS * 10);
    }
    expect(fetches()).toBe(1);
  });

  it('reuses a transient failure for a while, then tries again', async () => {
    let failing = true;
    const { probe, fetches, advance } = setup(() => (failing ? busy : undefined));
    expect(await probe.check()).toMatchObject({ state: 'unavailable', errcode: -1 });
    advance(TOKEN_CHECK_REUSE_MS - 1);
    expect(await probe.check()).toMatchObject({ state: 'unavailable' });
    expect(fetches()).toBe(1);
    failing = false;
    advance(2);
    expect(await probe.check()).toEqual({ state: 'obtained' });
    expect(fetches()).toBe(2);
  });

  it('a token that appears in the store (the app fixed it, another instance fetched) clears the error', async () => {
    const { probe, store } = setup(() => badSecret);
    expect((await probe.check()).state).toBe('config_error');
    await store.setToken('token-key', { token: 'OTHER-123456', fetchedAt: 1_000_000, expiresAt: 1_000_000 + 60_000 });
    expect((await probe.check()).state).toBe('cached');
  });
});
