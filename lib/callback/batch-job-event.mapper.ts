import type { BatchJobResultCallback } from '../batch/tracking/batch-job-callback.types.js';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { toTrackedJobType } from '../model/batch-job.types.js';
import { toBatchJobResultEvent } from './batch-job-result.dto.js';
import { parseStrictXml, type XmlElements } from './strict-xml.parser.js';

/**
 * What a decrypted callback message means to the module: the `batch_job_result` of a job it tracks (an import or
 * an export) for the tracker, or something to acknowledge and ignore (with a log-safe description of what it was).
 */
export type MappedCallbackEvent =
  { kind: 'job-result'; callback: BatchJobResultCallback } | { kind: 'ignored'; description: string };

/**
 * Interprets the decrypted XML of a delivery addressed to `corpId`: the `batch_job_result` of an import or an
 * export job becomes the tracker's input (`export_tag` and `export_taguser` both name the tag export); other
 * events and messages, and other job families (`invite_user`, `import_chain_contact`, …), are ignored.
 *
 * @throws XmlFormatError when the message is not well-formed XML (the service answers `malformed_event`).
 * @throws WeComCallbackRejectedError `malformed_event` (no `<xml>` root, an invalid `batch_job_result`) or
 * `wrong_receiver` (`ToUserName` is another CorpID).
 */
export function mapBatchJobEvent(message: string, corpId: string): MappedCallbackEvent {
  const { root, value } = parseStrictXml(message);
  if (root !== 'xml' || typeof value !== 'object') {
    throw new WeComCallbackRejectedError('malformed_event', 400, 'the decrypted message has no <xml> root element');
  }
  const fields: XmlElements = value;
  if (fields.MsgType !== 'event' || fields.Event !== 'batch_job_result') {
    return {
      kind: 'ignored',
      description: `a callback that is not a batch_job_result event (MsgType ${safeToken(fields.MsgType)}, Event ${safeToken(fields.Event)})`,
    };
  }
  const event = toBatchJobResultEvent(fields);
  if (event.ToUserName !== corpId) {
    throw new WeComCallbackRejectedError('wrong_receiver', 401, 'the event is addressed to another CorpID');
  }
  const job = event.BatchJob;
  const jobType = toTrackedJobType(job.JobType);
  if (jobType === undefined) {
    return { kind: 'ignored', description: `batch_job_result of a ${safeToken(job.JobType)} job (not followed)` };
  }
  return {
    kind: 'job-result',
    callback: {
      corpId,
      jobId: job.JobId,
      jobType,
      errCode: job.ErrCode,
      errMsg: job.ErrMsg,
      createTime: event.CreateTime,
    },
  };
}

/** A field of an ignored message reduced to a safe token: no decrypted text reaches the logs. */
function safeToken(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(value) ? value : '(other)';
}
