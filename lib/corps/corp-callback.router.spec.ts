import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { setImmediate as tick } from 'node:timers/promises';
import type { JobTracker } from '../batch/tracking/job-tracker.service.js';
import type { WeComCallbackRequest } from '../callback/callback.types.js';
import type { WeComCallbackService } from '../callback/wecom-callback.service.js';
import { WeComCrypto } from '../callback/wecom-crypto.service.js';
import type { CallbackRejectedEvent } from '../events/callback-rejected.event.js';
import { WECOM_BATCH_EVENTS } from '../events/wecom-batch.events.js';
import { MemoryStore } from '../stores/memory.store.js';
import { resolveWeComBatchOptions } from '../wecom-batch-options.resolver.js';
import type { CorpDirectory } from './corp-directory.service.js';

// The router of a registration with resolveCorp reads ToUserName; the service that handles the delivery reads
// Encrypt. Both from one parse of the unverified envelope: counted by wrapping the strict parser.

const real = await import('../callback/strict-xml.parser.js');
/** Envelope parses (the only ones that skip comments and attributes); the decrypted message's are not counted. */
let envelopeParses = 0;
jest.unstable_mockModule('../callback/strict-xml.parser.js', () => ({
  ...real,
  parseStrictXml: (...args: Parameters<typeof real.parseStrictXml>) => {
    if (args[1]?.tolerateCommentsAndAttributes) envelopeParses++;
    return real.parseStrictXml(...args);
  },
}));
const { CallbackRejections } = await import('../callback/callback-rejections.service.js');
const { CallbackVerifier } = await import('../callback/callback-verifier.service.js');
const { WeComCallbackService: CallbackService } = await import('../callback/wecom-callback.service.js');
const { createJobTracker } = await import('../batch/tracking/tracking.providers.js');
const { CorpCallbackRouter } = await import('./corp-callback.router.js');

const HOME = { corpId: 'wwhome000001', token: 'hometoken', encodingAESKey: 'h'.repeat(43) };
const OTHER = { corpId: 'wwother00002', token: 'othertoken', encodingAESKey: 'o'.repeat(43) };
type Corp = typeof HOME;

const trackers: JobTracker[] = [];

/** A corp's callback service, with the router when it is the registration's own (resolveCorp). */
function serviceOf(corp: Corp, directory?: CorpDirectory) {
  const options = resolveWeComBatchOptions({
    corpId: corp.corpId,
    corpSecret: 'secret',
    fetchResults: false,
    callback: { url: 'http://127.0.0.1/cb', token: corp.token, encodingAESKey: corp.encodingAESKey },
  });
  const emitter = new EventEmitter2();
  const rejected: CallbackRejectedEvent[] = [];
  emitter.on(WECOM_BATCH_EVENTS.CALLBACK_REJECTED, (event: CallbackRejectedEvent) => rejected.push(event));
  const tracker = createJobTracker(options, new MemoryStore(), emitter, {
    getResult: () => Promise.reject(new Error('not used')),
  });
  trackers.push(tracker);
  const router = directory ? new CorpCallbackRouter(options, directory) : undefined;
  const service = new CallbackService(
    options,
    new CallbackVerifier(options),
    new CallbackRejections(emitter),
    tracker,
    router,
  );
  return { service, rejected };
}

function setup() {
  const other = serviceOf(OTHER);
  const looked: string[] = [];
  const directory = {
    callbacksFor: async (corpId: string): Promise<WeComCallbackService | { status: number; reason: string }> => {
      looked.push(corpId);
      return corpId === OTHER.corpId ? other.service : { status: 403, reason: 'not served' };
    },
  } as unknown as CorpDirectory;
  return { home: serviceOf(HOME, directory), other, looked };
}

/** A delivery sealed with `sealer`'s keys, naming `toUserName` in the envelope. */
function delivery(sealer: Corp, toUserName: string, jobId = 'job-1'): WeComCallbackRequest {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const crypto = new WeComCrypto({ ...sealer, receiveId: sealer.corpId });
  const message = `<xml><ToUserName><![CDATA[${sealer.corpId}]]></ToUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${jobId}]]></JobId><JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>`;
  const encrypt = crypto.encrypt(message);
  return {
    method: 'POST',
    query: { msg_signature: crypto.signature(timestamp, 'n1', encrypt), timestamp, nonce: 'n1' },
    body: Buffer.from(
      `<xml><ToUserName><![CDATA[${toUserName}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    ),
    contentType: 'text/xml',
  };
}

beforeAll(() => Logger.overrideLogger(false));

afterEach(async () => {
  await Promise.all(trackers.splice(0).map((tracker) => tracker.onModuleDestroy()));
  envelopeParses = 0;
});

describe('CorpCallbackRouter', () => {
  it("hands a delivery for another corp to that corp's service, which uses the router's parse (one parse)", async () => {
    const { home, other, looked } = setup();
    await expect(home.service.handleCallback(delivery(OTHER, OTHER.corpId))).resolves.toMatchObject({ status: 200 });
    expect(looked).toEqual([OTHER.corpId]);
    expect(envelopeParses).toBe(1);
    await tick();
    expect([home.rejected, other.rejected]).toEqual([[], []]);
  });

  it("keeps a delivery for the registration's own corp, parsed once", async () => {
    const { home, looked } = setup();
    await expect(home.service.handleCallback(delivery(HOME, HOME.corpId))).resolves.toMatchObject({ status: 200 });
    expect(looked).toEqual([]);
    expect(envelopeParses).toBe(1);
  });

  it("refuses a forged delivery naming the other corp in that corp's service (401), with one parse", async () => {
    const { home, other } = setup();
    // Sealed with the registration's keys, naming the other corp: the other corp's keys do not verify it.
    await expect(home.service.handleCallback(delivery(HOME, OTHER.corpId))).resolves.toMatchObject({ status: 401 });
    expect(envelopeParses).toBe(1);
    await tick(); // rejections are announced after the answer
    expect(other.rejected.map((event) => event.reason)).toEqual(['bad_signature']);
    expect(home.rejected).toEqual([]);
  });

  it('answers a malformed envelope in the registration, from the same parse that refused it (400)', async () => {
    const { home, looked } = setup();
    const request = { ...delivery(OTHER, OTHER.corpId), body: `<xml><ToUserName>${OTHER.corpId}</ToUserName></xml>` };
    await expect(home.service.handleCallback(request)).resolves.toMatchObject({ status: 400 });
    expect(looked).toEqual([]);
    expect(envelopeParses).toBe(1);
    await tick(); // rejections are announced after the answer
    expect(home.rejected.map((event) => event.reason)).toEqual(['malformed_envelope']);
  });

  it('parses nothing for a body the registration refuses before reading it (413), and leaves it there', async () => {
    const { home, looked } = setup();
    const request = { ...delivery(OTHER, OTHER.corpId), body: Buffer.alloc(1024 * 1024, 0x20) };
    await expect(home.service.handleCallback(request)).resolves.toMatchObject({ status: 413 });
    expect([looked, envelopeParses]).toEqual([[], 0]);
    await tick(); // rejections are announced after the answer
    expect(home.rejected.map((event) => event.reason)).toEqual(['body_too_large']);
  });

  it('answers a corp the route does not serve with the directory refusal, without an event', async () => {
    const { home, looked } = setup();
    const answer = await home.service.handleCallback(delivery(OTHER, 'wwunknown003'));
    expect(answer).toMatchObject({ status: 403, body: 'not served' });
    expect(looked).toEqual(['wwunknown003']);
    await tick();
    expect(home.rejected).toEqual([]);
  });
});
