import { describe, expect, it } from '@jest/globals';
import { BatchJobCompletedEvent } from './batch-job-completed.event.js';

const base = {
  corpId: 'ww',
  jobId: 'job-1',
  errCode: 0,
  errMsg: 'ok',
  source: 'poll' as const,
  completedAt: new Date(0),
  failedRows: 1,
};

describe('BatchJobCompletedEvent', () => {
  it('is a class at run time: payloads are instances, named as before', () => {
    const event = new BatchJobCompletedEvent({
      ...base,
      jobType: 'sync_user',
      result: [{ userid: 'zhangsan', errcode: 60104, errmsg: 'mobile existed' }],
    });
    expect(event).toBeInstanceOf(BatchJobCompletedEvent);
    expect(event.constructor.name).toBe('BatchJobCompletedEvent');
    expect({ ...event }).toEqual({
      ...base,
      jobType: 'sync_user',
      result: [{ userid: 'zhangsan', errcode: 60104, errmsg: 'mobile existed' }],
    });
  });

  it('narrows result by jobType (the union the listeners see)', () => {
    const event = new BatchJobCompletedEvent({
      ...base,
      jobType: 'replace_party',
      result: [
        {
          partyid: 2,
          action: 1,
          actions: { created: true, renamed: false, moved: false, reordered: false },
          errcode: 0,
          errmsg: 'ok',
        },
      ],
    });
    const created = event.jobType === 'replace_party' ? event.result?.filter((row) => row.actions.created) : [];
    expect(created?.map((row) => row.partyid)).toEqual([2]);
  });
});
