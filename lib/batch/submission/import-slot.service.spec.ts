import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { WeComImportBusyError } from '../../errors/wecom-import-busy.error.js';
import { MemoryStore } from '../../stores/memory.store.js';
import type { WeComBatchStore } from '../../stores/wecom-batch-store.interface.js';
import { resolveWeComBatchOptions } from '../../wecom-batch-options.resolver.js';
import { ImportSlotService } from './import-slot.service.js';

function queue(store: WeComBatchStore, importQueue: 'queue' | 'fail-fast' = 'queue'): ImportSlotService {
  return new ImportSlotService(resolveWeComBatchOptions({ corpId: 'wwcorp', corpSecret: 's', importQueue }), store);
}

/** Resolves true if `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(() => Logger.overrideLogger(false));

describe('ImportSlotService', () => {
  it('serializes submissions in one process, first in first out', async () => {
    const q = queue(new MemoryStore());
    const order: string[] = [];
    const first = await q.acquire();
    const second = q.acquire().then((slot) => (order.push('second'), slot));
    const third = q.acquire().then((slot) => (order.push('third'), slot));
    expect(await settlesWithin(second, 50)).toBe(false);
    order.push('first released');
    await first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['first released', 'second', 'third']);
  });

  it('serializes submissions of two instances sharing a store', async () => {
    const store = new MemoryStore();
    const a = queue(store);
    const b = queue(store);
    const slotA = await a.acquire();
    const slotB = b.acquire();
    expect(await settlesWithin(slotB, 300)).toBe(false);
    await slotA.release();
    expect(await settlesWithin(slotB, 3_000)).toBe(true);
    await (await slotB).release();
  });

  it('takes over after a crashed holder’s lease runs out', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ now: () => now });
    await store.acquireLock('import:wwcorp', 30_000); // a holder that will never release
    const waiting = queue(store).acquire();
    expect(await settlesWithin(waiting, 300)).toBe(false);
    now += 31_000;
    expect(await settlesWithin(waiting, 3_000)).toBe(true);
    await (await waiting).release();
  });

  it('fail-fast rejects a second submission with WeComImportBusyError, locally and across instances', async () => {
    const store = new MemoryStore();
    const a = queue(store, 'fail-fast');
    const slot = await a.acquire();
    await expect(a.acquire()).rejects.toBeInstanceOf(WeComImportBusyError);
    await expect(queue(store, 'fail-fast').acquire()).rejects.toBeInstanceOf(WeComImportBusyError);
    await slot.release();
    await (await a.acquire()).release();
  });

  it('a failed acquisition does not block the queue', async () => {
    const store = new MemoryStore();
    const q = queue(store);
    const realAcquire = store.acquireLock.bind(store);
    store.acquireLock = () => Promise.reject(new Error('store down'));
    await expect(q.acquire()).rejects.toThrow('store down');
    store.acquireLock = realAcquire;
    expect(
      await settlesWithin(
        q.acquire().then((s) => s.release()),
        1_000,
      ),
    ).toBe(true);
  });

  it('shutdown releases held slots so other instances go on', async () => {
    const store = new MemoryStore();
    const a = queue(store);
    await a.acquire();
    await a.onModuleDestroy();
    expect(await store.acquireLock('import:wwcorp', 1_000)).not.toBeNull();
  });
});
