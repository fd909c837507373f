import { MemoryStore } from '../../lib/stores/memory.store.js';
import { describeStoreContract } from '../redis/store-contract.js';

// MemoryStore lives in one process: its "peer" (another instance on the same backend) is itself.
describeStoreContract('MemoryStore', () => ({
  create: async () => {
    const store = new MemoryStore();
    return { store, peer: store };
  },
  close: async () => undefined,
}));
