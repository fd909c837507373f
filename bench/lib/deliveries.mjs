// Valid WeCom callback deliveries (signed, encrypted batch_job_result events) built with the package's own
// WeComCrypto, as the simulator and WeCom produce them.
import { randomBytes } from 'node:crypto';
import { WeComCrypto } from 'nestjs-wecom-batch';

/** The corp of the callback benchmarks (official vector A's token, key and CorpID). */
export const KEYS = {
  corpId: 'wx5823bf96d3bd56c7',
  corpSecret: 'bench-corp-secret-0123456789',
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

/** The decrypted batch_job_result event, byte for byte in WeCom's format. */
export function batchJobResultXml(corpId, jobId, createTime, jobType = 'sync_user') {
  return (
    `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobId}]]></JobId>` +
    `<JobType><![CDATA[${jobType}]]></JobType><ErrCode>0</ErrCode>` +
    `<ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>`
  );
}

/**
 * `count` distinct deliveries (each its own JobId, nonce and ciphertext), timestamped now: a POST query string
 * (`msg_signature=…&timestamp=…&nonce=…`) and the XML envelope.
 */
export function makeDeliveries(count, { keys = KEYS, prefix = 'job' } = {}) {
  const crypto = new WeComCrypto({ token: keys.token, encodingAESKey: keys.encodingAESKey, receiveId: keys.corpId });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const run = randomBytes(6).toString('base64url');
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const jobId = `${prefix}-${run}-${i}`;
    const encrypt = crypto.encrypt(batchJobResultXml(keys.corpId, jobId, timestamp));
    const nonce = String(100000000 + i);
    const signature = crypto.signature(timestamp, nonce, encrypt);
    out[i] = {
      jobId,
      encrypt,
      signature,
      timestamp,
      nonce,
      query: `msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
      body:
        `<xml><ToUserName><![CDATA[${keys.corpId}]]></ToUserName>` +
        `<Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`,
    };
  }
  return out;
}

/**
 * Writes the pending records of `deliveries`' jobs into the app (as their submission would have): a callback for
 * a job with no record is acknowledged and dropped, which is not the path a real delivery takes.
 */
export async function seedJobs(child, deliveries) {
  const CHUNK = 20_000;
  for (let i = 0; i < deliveries.length; i += CHUNK) {
    const jobIds = deliveries.slice(i, i + CHUNK).map((d) => d.jobId);
    await child.ask({ type: 'seed', jobIds }, 'seeded');
  }
}

/**
 * The probe's worst-shape forged body (16 KB: `<xml>` + 4,086 × `<a/>` + `<Encrypt>`), which the lenient fallback
 * parser used to spend 6–11 ms on before any signature check; with any signature and a current timestamp.
 */
export function worstShapeForgeries(count, { keys = KEYS } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = `<xml>${'<a/>'.repeat(4_086)}<Encrypt>AAAA</Encrypt></xml>`;
  return Array.from({ length: count }, (_, i) => ({
    jobId: `forged-${i}`,
    query: `msg_signature=${'0'.repeat(40)}&timestamp=${timestamp}&nonce=${i}`,
    body,
    keys,
  }));
}
