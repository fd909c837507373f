import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { setImmediate as tick } from 'node:timers/promises';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import type { CallbackRejectedEvent } from '../events/callback-rejected.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { CallbackRejections, malformedXmlRejection } from './callback-rejections.service.js';
import { XmlFormatError } from './xml-format.error.js';

afterEach(() => {
  jest.restoreAllMocks();
});

function logged() {
  const lines: string[] = [];
  for (const level of ['warn', 'error'] as const) {
    jest
      .spyOn(Logger.prototype, level)
      .mockImplementation((message: unknown) => void lines.push(`${level} ${String(message)}`));
  }
  return lines;
}

describe('CallbackRejections', () => {
  it('answers at once and emits the rejected event only after the answer, with no secret', async () => {
    const emitter = new EventEmitter2();
    const events: CallbackRejectedEvent[] = [];
    emitter.on(WECOM_BATCH_EVENTS.CALLBACK_REJECTED, (e: CallbackRejectedEvent) => events.push(e));
    logged();
    const answer = new CallbackRejections(emitter).reject(
      new WeComCallbackRejectedError('bad_signature', 401, 'the signature does not match'),
      'POST',
      '10.0.0.9',
    );
    expect(answer).toEqual({
      status: 401,
      body: '',
      contentType: 'text/plain; charset=utf-8',
      headers: { 'WeCom-Callback-Rejection': 'bad_signature' },
    });
    expect(events).toHaveLength(0);
    await tick();
    expect(events).toMatchObject([{ reason: 'bad_signature', status: 401, method: 'POST', remoteAddress: '10.0.0.9' }]);
  });

  it('a listener that throws is logged, and the next refusal is still answered and announced', async () => {
    const emitter = new EventEmitter2();
    let calls = 0;
    emitter.on(WECOM_BATCH_EVENTS.CALLBACK_REJECTED, () => {
      calls++;
      throw new Error('listener bug');
    });
    const lines = logged();
    const rejections = new CallbackRejections(emitter);
    const error = new WeComCallbackRejectedError('malformed_envelope', 400, 'malformed callback envelope: x');
    rejections.reject(error, 'POST');
    await tick();
    expect(rejections.reject(error, 'POST').status).toBe(400);
    await tick();
    expect(calls).toBe(2);
    expect(lines.filter((l) => l.startsWith('error') && l.includes('listener bug'))).toHaveLength(2);
  });

  it('logs one line per reason and interval, an error for 503, and of a cause only its name and code', () => {
    const lines = logged();
    const rejections = new CallbackRejections(new EventEmitter2());
    const cause = Object.assign(new Error('EVALSHA wecom-batch:job:SECRET-JOB-ID'), { code: 'ECONNRESET' });
    rejections.reject(
      new WeComCallbackRejectedError('store_unavailable', 503, 'could not be recorded', { cause }),
      'POST',
    );
    for (let i = 0; i < 3; i++) rejections.reject(new WeComCallbackRejectedError('bad_signature', 401, 'no'), 'POST');
    expect(lines).toEqual([
      'error refused a WeCom callback POST: store_unavailable (503) — could not be recorded [Error ECONNRESET]',
      'warn refused a WeCom callback POST: bad_signature (401) — no',
    ]);
  });
});

describe('malformedXmlRejection', () => {
  it('answers a malformed envelope or event with its own 400 reason, naming the problem and its offset', () => {
    const error = new XmlFormatError('<A> appears twice', 12);
    expect(malformedXmlRejection(error, 'envelope')).toMatchObject({
      reason: 'malformed_envelope',
      status: 400,
      message: 'malformed callback envelope: <A> appears twice (at offset 12)',
    });
    expect(malformedXmlRejection(error, 'event')).toMatchObject({
      reason: 'malformed_event',
      status: 400,
      message: 'the decrypted event is not well-formed: <A> appears twice (at offset 12)',
    });
  });
});
