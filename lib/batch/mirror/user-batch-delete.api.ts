import { Inject, Injectable } from '@nestjs/common';
import { WeComClient } from '../../client/wecom-client.service.js';

/** `user/batchdelete` takes at most 200 userids a call (OFFICIAL 90199). */
export const BATCH_DELETE_LIMIT = 200;

/**
 * `POST user/batchdelete` (批量删除成员, synchronous): deletes exactly the given members, 200 a call. WeCom fails a
 * whole call when one userid is unknown (60111), so the mirror only sends deletions it re-checked just before.
 * Not re-sent after an uncertain failure (`idempotent: false`): a repeat would fail with 60111 for members the
 * first call did delete.
 */
@Injectable()
export class UserBatchDeleteApi {
  constructor(@Inject(WeComClient) private readonly client: WeComClient) {}

  /** Deletes up to 200 members in one call. Rejects with the client's `WeComApiError` (nothing deleted then). */
  async deleteChunk(userids: readonly string[]): Promise<void> {
    if (userids.length === 0 || userids.length > BATCH_DELETE_LIMIT) {
      throw new RangeError(`user/batchdelete takes 1–${BATCH_DELETE_LIMIT} userids, got ${userids.length}`);
    }
    await this.client.post('user/batchdelete', { useridlist: userids }, { idempotent: false });
  }
}
