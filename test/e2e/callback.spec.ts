import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchJobCompletedEvent, WeComCrypto } from 'nestjs-wecom-batch';
import { ADAPTERS } from './helpers/app.js';
import { bootCallbackApp, REGISTRATIONS, waitFor, type CallbackApp } from './helpers/callback-app.js';
import {
  batchJobResultXml,
  buildDelivery,
  getCallback,
  postCallback,
  vectorBQueryNow,
  type CallbackKeys,
} from './helpers/callback-delivery.js';
import { VECTOR_A, validOptions } from './helpers/fixtures.js';

const KEYS: CallbackKeys = VECTOR_A;
const SECRETS = [VECTOR_A.token, VECTOR_A.encodingAESKey, validOptions().corpSecret];

/** Official vector B (wecom-api.md §9.7): WeCom's URL verification request, exactly as it arrived in 2014. */
const VECTOR_B_QUERY =
  'msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780' +
  '&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D';
let jobCounter = 0;
/** A job id unique in this run (the store is per app, but keep payload assertions unambiguous). */
function jobId(): string {
  jobCounter++;
  return `S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152F${String(jobCounter).padStart(4, '0')}`;
}

describe.each(ADAPTERS)('callback endpoint on %s', (adapter) => {
  describe.each(REGISTRATIONS)('registered with %s', (registration) => {
    let booted: CallbackApp;

    beforeAll(async () => {
      booted = await bootCallbackApp(adapter, registration, validOptions({ fetchResults: false }));
    });
    afterAll(async () => {
      await booted?.close();
      // Every level reaches the capturing logger (the ignored invite job below logged at verbose/debug)...
      expect(
        booted.logger.lines.some((l) => ['debug', 'verbose'].includes(l.level) && l.text.includes('invite_user')),
      ).toBe(true);
      // ...and no line, at any level, carries the token, the EncodingAESKey or the corp secret.
      expect(booted.logger.leaking(SECRETS)).toEqual([]);
    });

    it('GET with official vector B re-signed now answers exactly the plaintext, as text/plain, no quotes/BOM/newline', async () => {
      const answer = await getCallback(booted.callbackUrl, vectorBQueryNow(KEYS));
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(Buffer.from('1616140317555161061', 'ascii'))).toBe(true);
      expect(answer.contentType).toMatch(/^text\/plain/);
    });

    it('GET with official vector B as it arrived in 2014 is a replay now: 401 stale_timestamp', async () => {
      const answer = await getCallback(booted.callbackUrl, VECTOR_B_QUERY);
      expect(answer.status).toBe(401);
      expect(answer.body).not.toContain('1616140317555161061');
    });

    it('GET tolerates an echostr whose "+" arrived unencoded (decoded to a space)', async () => {
      const answer = await getCallback(booted.callbackUrl, vectorBQueryNow(KEYS, true));
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('1616140317555161061');
    });

    it('GET with a freshly signed echostr of our own answers its plaintext', async () => {
      const crypto = new WeComCrypto({ ...KEYS, receiveId: KEYS.corpId });
      const echostr = crypto.encrypt('7432948102938475610');
      const now = String(Math.floor(Date.now() / 1000));
      const signature = crypto.signature(now, '42', echostr);
      const query = `msg_signature=${signature}&timestamp=${now}&nonce=42&echostr=${encodeURIComponent(echostr)}`;
      const answer = await getCallback(booted.callbackUrl, query);
      expect([answer.status, answer.body]).toEqual([200, '7432948102938475610']);
    });

    it('POST: 200 with an empty body while a 10 s listener still runs; exactly one completed event', async () => {
      const id = jobId();
      await booted.submitted(id);
      const createTime = Math.floor(Date.now() / 1000) - 5;
      const delivery = buildDelivery(
        KEYS,
        batchJobResultXml({ corpId: KEYS.corpId, jobId: id, jobType: 'sync_user', createTime }),
      );
      const startedBefore = booted.slow.slowStarted;
      const finishedBefore = booted.slow.slowFinished;
      const sent = Date.now();
      const answer = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
      expect(answer.status).toBe(200);
      expect(answer.bytes).toHaveLength(0);
      expect(Date.now() - sent).toBeLessThan(2_000);

      await waitFor(() => booted.events.completed.some((e) => e.jobId === id), 5_000, 'the completed event');
      await waitFor(() => booted.slow.slowStarted > startedBefore, 5_000, 'the slow listener to start');
      // The slow listener is still in its 10 s wait: the ACK did not wait for it.
      expect(booted.slow.slowFinished).toBe(finishedBefore);

      const completed = booted.events.completed.filter((e) => e.jobId === id);
      expect(completed).toHaveLength(1);
      expect(completed[0]).toBeInstanceOf(BatchJobCompletedEvent);
      expect(completed[0]).toMatchObject({
        corpId: KEYS.corpId,
        jobId: id,
        jobType: 'sync_user',
        errCode: 0,
        errMsg: 'ok',
        source: 'callback',
        failedRows: 0,
      });
      expect(completed[0].completedAt).toBeInstanceOf(Date);
      expect(booted.events.failed.filter((e) => e.jobId === id)).toHaveLength(0);
    });

    it('the same delivery 3 times at once, then again later, yields one completed event', async () => {
      const id = jobId();
      await booted.submitted(id, 'replace_party');
      const delivery = buildDelivery(
        KEYS,
        batchJobResultXml({ corpId: KEYS.corpId, jobId: id, jobType: 'replace_party' }),
      );
      const answers = await Promise.all(
        [1, 2, 3].map(() => postCallback(booted.callbackUrl, delivery.query, delivery.body)),
      );
      expect(answers.map((a) => [a.status, a.body])).toEqual([
        [200, ''],
        [200, ''],
        [200, ''],
      ]);
      await waitFor(() => booted.events.completed.some((e) => e.jobId === id), 5_000, 'the completed event');
      const again = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
      expect([again.status, again.body]).toEqual([200, '']);
      // A WeCom retry re-signs with a new nonce: still the same job.
      const retry = buildDelivery(
        KEYS,
        batchJobResultXml({ corpId: KEYS.corpId, jobId: id, jobType: 'replace_party' }),
      );
      expect((await postCallback(booted.callbackUrl, retry.query, retry.body)).status).toBe(200);
      await sleep(300); // give a wrongly emitted duplicate the time to show up
      expect(booted.events.completed.filter((e) => e.jobId === id)).toHaveLength(1);
      expect(booted.events.completed.find((e) => e.jobId === id)?.jobType).toBe('replace_party');
    });

    it('ErrCode ≠ 0: completed, then failed, both with the job-level error', async () => {
      const id = jobId();
      await booted.submitted(id, 'replace_user');
      const delivery = buildDelivery(
        KEYS,
        batchJobResultXml({
          corpId: KEYS.corpId,
          jobId: id,
          jobType: 'replace_user',
          errCode: 60123,
          errMsg: 'invalid party id',
        }),
      );
      expect((await postCallback(booted.callbackUrl, delivery.query, delivery.body)).status).toBe(200);
      await waitFor(() => booted.events.failed.some((e) => e.jobId === id), 5_000, 'the failed event');
      const completed = booted.events.completed.filter((e) => e.jobId === id);
      expect(completed).toHaveLength(1);
      expect(completed[0]).toMatchObject({ errCode: 60123, errMsg: 'invalid party id', source: 'callback' });
      expect(booted.events.failed.filter((e) => e.jobId === id)).toHaveLength(1);
    });

    it.each([
      ['application/xml', 'application/xml; charset=utf-8'],
      ['no Content-Type', null],
      ['text/plain', 'text/plain'],
    ])('accepts the envelope sent as %s', async (_name, contentType) => {
      const id = jobId();
      await booted.submitted(id);
      const delivery = buildDelivery(KEYS, batchJobResultXml({ corpId: KEYS.corpId, jobId: id, jobType: 'sync_user' }));
      const answer = await postCallback(booted.callbackUrl, delivery.query, delivery.body, contentType);
      expect([answer.status, answer.body]).toEqual([200, '']);
      await waitFor(() => booted.events.completed.some((e) => e.jobId === id), 5_000, 'the completed event');
    });

    it.each([
      ['an export job (export_user)', 'export_user'],
      ['a chain-contact import (import_chain_contact)', 'import_chain_contact'],
      ['a legacy invite job (invite_user)', 'invite_user'],
    ])('acknowledges %s with 200 and emits nothing', async (_name, jobType) => {
      const id = jobId();
      const rejectedBefore = booted.events.rejected.length;
      const delivery = buildDelivery(KEYS, batchJobResultXml({ corpId: KEYS.corpId, jobId: id, jobType }));
      const answer = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
      expect([answer.status, answer.body]).toEqual([200, '']);
      await sleep(100);
      expect(booted.events.completed.filter((e) => e.jobId === id)).toHaveLength(0);
      expect(booted.events.rejected).toHaveLength(rejectedBefore);
    });

    it('acknowledges other events and messages (official vector A text message) with 200 and emits nothing', async () => {
      const message =
        '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>';
      const completedBefore = booted.events.completed.length;
      const delivery = buildDelivery(KEYS, message);
      const answer = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
      expect([answer.status, answer.body]).toEqual([200, '']);
      const contactEvent = buildDelivery(
        KEYS,
        '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>',
      );
      expect((await postCallback(booted.callbackUrl, contactEvent.query, contactEvent.body)).status).toBe(200);
      await sleep(100);
      expect(booted.events.completed).toHaveLength(completedBefore);
    });
  });
});
