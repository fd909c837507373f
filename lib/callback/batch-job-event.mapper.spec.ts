import { describe, expect, it } from '@jest/globals';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { mapBatchJobEvent } from './batch-job-event.mapper.js';
import { XmlFormatError } from './xml-format.error.js';

const CORP = 'wx5823bf96d3bd56c7';
const event = (jobType: string, to = CORP, msgType = 'event', name = 'batch_job_result') =>
  `<xml><ToUserName><![CDATA[${to}]]></ToUserName><CreateTime>1425284517</CreateTime><MsgType>${msgType}</MsgType>` +
  `<Event>${name}</Event><BatchJob><JobId>J1</JobId><JobType>${jobType}</JobType><ErrCode>0</ErrCode>` +
  `<ErrMsg>ok</ErrMsg></BatchJob></xml>`;

describe('mapBatchJobEvent (decrypted XML → what the module does with it)', () => {
  it.each(['sync_user', 'replace_user', 'replace_party'])(
    "turns an import job's %s result into the tracker's input",
    (jobType) => {
      expect(mapBatchJobEvent(event(jobType), CORP)).toEqual({
        kind: 'job-result',
        callback: { corpId: CORP, jobId: 'J1', jobType, errCode: 0, errMsg: 'ok', createTime: 1425284517 },
      });
    },
  );

  it.each([
    ['export_user', 'export_user'],
    ['export_simple_user', 'export_simple_user'],
    ['export_department', 'export_department'],
    ['export_taguser', 'export_taguser'],
    // WeCom's pages use both names for the tag export.
    ['export_tag', 'export_taguser'],
  ])("turns an export job's %s result into the tracker's input (as %s)", (sent, jobType) => {
    expect(mapBatchJobEvent(event(sent), CORP)).toEqual({
      kind: 'job-result',
      callback: { corpId: CORP, jobId: 'J1', jobType, errCode: 0, errMsg: 'ok', createTime: 1425284517 },
    });
  });

  it('ignores other job families and other events, describing them with safe tokens only', () => {
    for (const family of ['import_chain_contact', 'invite_user']) {
      expect(mapBatchJobEvent(event(family), CORP)).toEqual({
        kind: 'ignored',
        description: `batch_job_result of a ${family} job (not followed)`,
      });
    }
    const text = mapBatchJobEvent(event('sync_user', CORP, 'text', 'secret words here'), CORP);
    expect(text).toEqual({
      kind: 'ignored',
      description: 'a callback that is not a batch_job_result event (MsgType text, Event (other))',
    });
  });

  it('refuses an event for another CorpID (wrong_receiver) and a non-<xml> root (malformed_event)', () => {
    const reason = (xml: string) => {
      try {
        mapBatchJobEvent(xml, CORP);
      } catch (error) {
        expect(error).toBeInstanceOf(WeComCallbackRejectedError);
        return (error as WeComCallbackRejectedError).reason;
      }
      return 'accepted';
    };
    expect(reason(event('sync_user', 'wwOther'))).toBe('wrong_receiver');
    expect(reason('<root><MsgType>event</MsgType></root>')).toBe('malformed_event');
  });

  it('leaves XML that is not well-formed to the caller as the neutral XmlFormatError', () => {
    expect(() => mapBatchJobEvent('<xml><A>1</A><A>2</A></xml>', CORP)).toThrow(XmlFormatError);
  });
});
