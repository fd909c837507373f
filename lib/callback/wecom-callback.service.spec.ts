import { afterEach, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { setImmediate as tick } from 'node:timers/promises';
import type { JobTracker } from '../batch/tracking/job-tracker.service.js';
import { createJobTracker } from '../batch/tracking/tracking.providers.js';
import type { CallbackRejectedEvent } from '../events/callback-rejected.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { MemoryStore } from '../stores/memory.store.js';
import { type WeComBatchModuleOptions } from '../wecom-batch.options.js';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import { CallbackRejections } from './callback-rejections.service.js';
import { CallbackVerifier } from './callback-verifier.service.js';
import { WeComCallbackService } from './wecom-callback.service.js';
import { WeComCrypto } from './wecom-crypto.service.js';

// handleCallback() as an app calls it from its own route: framework-neutral input, a response to write.

const KEYS = {
  token: 'QDG6eK',
  encodingAESKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
};
const crypto = new WeComCrypto({ ...KEYS, receiveId: KEYS.corpId });

let trackers: JobTracker[] = [];
afterEach(async () => {
  for (const tracker of trackers) await tracker.onModuleDestroy();
  trackers = [];
});

function setup(overrides: Partial<WeComBatchModuleOptions> = {}) {
  const options = resolveWeComBatchOptions({
    corpId: KEYS.corpId,
    corpSecret: 'secret',
    fetchResults: false,
    callback: { url: 'http://127.0.0.1/cb', token: KEYS.token, encodingAESKey: KEYS.encodingAESKey },
    ...overrides,
  });
  const emitter = new EventEmitter2();
  const rejected: CallbackRejectedEvent[] = [];
  emitter.on(WECOM_BATCH_EVENTS.CALLBACK_REJECTED, (e: CallbackRejectedEvent) => rejected.push(e));
  const tracker = createJobTracker(options, new MemoryStore(), emitter, {
    getResult: () => Promise.reject(new Error('not used')),
  });
  trackers.push(tracker);
  const verifier = new CallbackVerifier(options);
  const service = new WeComCallbackService(options, verifier, new CallbackRejections(emitter), tracker);
  return { service, verifier, rejected };
}

function delivery(jobId: string, timestamp = Math.floor(Date.now() / 1000)) {
  const message = `<xml><ToUserName><![CDATA[${KEYS.corpId}]]></ToUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobId}]]></JobId><JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>`;
  const encrypt = crypto.encrypt(message);
  const signature = crypto.signature(String(timestamp), '77', encrypt);
  return {
    query: { msg_signature: signature, timestamp: String(timestamp), nonce: '77' },
    body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
  };
}

describe('WeComCallbackService.handleCallback', () => {
  it('accepts a parsed query object and a string body (200, empty)', async () => {
    const { service } = setup();
    const d = delivery('unit-1');
    await expect(service.handleCallback({ method: 'post', query: d.query, body: d.body })).resolves.toEqual({
      status: 200,
      body: '',
      contentType: 'text/plain; charset=utf-8',
    });
  });

  it('accepts the raw query string, with or without "?"', async () => {
    const { service } = setup();
    const d = delivery('unit-2');
    const query = new URLSearchParams(d.query).toString();
    expect((await service.handleCallback({ method: 'POST', query, body: Buffer.from(d.body) })).status).toBe(200);
    expect((await service.handleCallback({ method: 'POST', query: `?${query}`, body: d.body })).status).toBe(200);
  });

  it.each([
    ['PUT', 405],
    ['DELETE', 405],
  ])('answers %s with %d (no rejected event: not a delivery)', async (method, status) => {
    const { service, rejected } = setup();
    expect((await service.handleCallback({ method, query: '' })).status).toBe(status);
    await tick();
    expect(rejected).toHaveLength(0);
  });

  it.each([
    ['a duplicated parameter from a parsed query', { nonce: ['1', '2'] }, 'invalid_parameters'],
    ['a non-numeric timestamp', { timestamp: '17e8' }, 'invalid_parameters'],
    ['an overlong nonce', { nonce: 'n'.repeat(200) }, 'invalid_parameters'],
    ['an empty signature', { msg_signature: '' }, 'missing_parameters'],
  ])('refuses %s with 400', async (_name, override, reason) => {
    const { service, rejected } = setup();
    const d = delivery('unit-3');
    const answer = await service.handleCallback({ method: 'POST', query: { ...d.query, ...override }, body: d.body });
    expect(answer.status).toBe(400);
    await tick();
    expect(rejected.map((e) => e.reason)).toEqual([reason]);
  });

  it('refuses a body another parser turned into an object, and JSON/form content types', async () => {
    const { service, rejected } = setup();
    const d = delivery('unit-4');
    expect((await service.handleCallback({ method: 'POST', query: d.query, body: { xml: {} } })).status).toBe(400);
    for (const contentType of ['application/json', 'application/vnd.api+json', 'application/x-www-form-urlencoded']) {
      expect((await service.handleCallback({ method: 'POST', query: d.query, body: d.body, contentType })).status).toBe(
        400,
      );
    }
    await tick();
    expect(new Set(rejected.map((e) => e.reason))).toEqual(new Set(['unsupported_content_type']));
  });

  it('answers 413 above callbackMaxBodyBytes, counting bytes (not characters) of a string body', async () => {
    const { service, rejected } = setup({ callbackMaxBodyBytes: 1024 });
    const d = delivery('unit-5');
    const multibyte = `${d.body}${'中'.repeat(300)}`; // < 1024 characters, > 1024 bytes
    expect(multibyte.length).toBeLessThan(1024);
    expect((await service.handleCallback({ method: 'POST', query: d.query, body: multibyte })).status).toBe(413);
    await tick();
    expect(rejected[0]).toMatchObject({ reason: 'body_too_large', status: 413, method: 'POST' });
  });

  it('honours callbackReplayWindowSeconds in both directions', async () => {
    const { service } = setup({ callbackReplayWindowSeconds: 60 });
    const now = Math.floor(Date.now() / 1000);
    for (const [offset, status] of [
      [-50, 200],
      [50, 200],
      [-70, 401],
      [70, 401],
    ] as const) {
      const d = delivery(`unit-window${offset}`, now + offset);
      expect([offset, (await service.handleCallback({ method: 'POST', query: d.query, body: d.body })).status]).toEqual(
        [offset, status],
      );
    }
  });

  it('without the callback option refuses GET and POST with 404 and says which option is missing', async () => {
    const { service, rejected } = setup({ callback: undefined });
    const get = await service.handleCallback({ method: 'GET', query: 'msg_signature=a&timestamp=1&nonce=1&echostr=a' });
    expect(get).toMatchObject({ status: 404, body: '', headers: { 'WeCom-Callback-Rejection': 'not_configured' } });
    await tick();
    expect(rejected[0]).toMatchObject({ reason: 'not_configured', status: 404, method: 'GET' });
    expect(rejected[0].detail).toContain('`callback` option');
  });

  it('the rejected event and the answer carry no secret and no decrypted content', async () => {
    const { service, rejected } = setup();
    const d = delivery('unit-secret');
    const answer = await service.handleCallback({
      method: 'POST',
      query: { ...d.query, msg_signature: 'f'.repeat(40) },
      body: d.body,
    });
    await tick();
    for (const text of [answer.body, JSON.stringify(rejected)]) {
      expect(text).not.toContain(KEYS.token);
      expect(text).not.toContain(KEYS.encodingAESKey);
      expect(text).not.toContain('unit-secret');
    }
  });
});
