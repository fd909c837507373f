import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisStore } from '../../lib/stores/redis.store.js';
import { describeWithRedis, type RedisServerHandle, startRedisServer } from '../helpers/redis-server.js';
import { describeStoreContract, uniqueName } from './store-contract.js';

// The store contract on a real redis-server: `store` and `peer` use two separate ioredis clients, like two app
// instances. Each test gets its own key prefix, so tests never see each other's keys.
describeWithRedis('RedisStore on redis-server', () => {
  let server: RedisServerHandle;
  let clientA: Redis;
  let clientB: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    clientA = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
    clientB = new Redis(server.port, server.host, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await Promise.all([clientA?.quit(), clientB?.quit()]);
    await server?.stop();
  });

  describeStoreContract('RedisStore', () => ({
    create: async () => {
      const keyPrefix = `${uniqueName('contract')}:`;
      return { store: new RedisStore(clientA, { keyPrefix }), peer: new RedisStore(clientB, { keyPrefix }) };
    },
    close: async ({ store, peer }) => {
      await store.close?.();
      await peer.close?.();
    },
  }));
});
