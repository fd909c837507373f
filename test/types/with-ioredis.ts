// Type test, second program: in a node_modules WITH ioredis, RedisStore takes ioredis's own client and options.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisStore } from 'nestjs-wecom-batch';

const options: RedisOptions = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 2 };
export const fromClient = new RedisStore(new Redis({ lazyConnect: true }), { keyPrefix: 'app:' });
export const fromOptions = new RedisStore(options);
export const fromCluster = new RedisStore(new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }));
