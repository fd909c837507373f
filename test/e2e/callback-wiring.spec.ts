import { afterEach, describe, expect, it } from '@jest/globals';
import { All, Controller, Module, Post, Req, Res, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Readable } from 'node:stream';
import { MemoryStore, WeComCallbackService } from 'nestjs-wecom-batch';
import { ADAPTERS } from './helpers/app.js';
import { bootCallbackApp, REGISTRATIONS, waitFor, type CallbackApp } from './helpers/callback-app.js';
import {
  batchJobResultXml,
  buildDelivery,
  getCallback,
  postCallback,
  vectorBQueryNow,
} from './helpers/callback-delivery.js';
import { VECTOR_A, validOptions } from './helpers/fixtures.js';

const KEYS = VECTOR_A;
const SECRETS = [VECTOR_A.token, VECTOR_A.encodingAESKey, validOptions().corpSecret];

interface AnyRequest {
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, string | undefined>;
  body?: unknown;
  raw?: unknown;
  ip?: string;
}
interface AnyReply {
  status(code: number): AnyReply;
  header(name: string, value: string): AnyReply;
  send(body?: string): unknown;
}

/** How an app wires the service into a route of its own (registerCallbackController: false). */
@Controller('hooks')
class OwnCallbackController {
  constructor(private readonly callbacks: WeComCallbackService) {}

  @All('wecom')
  async wecom(@Req() req: AnyRequest, @Res() res: AnyReply): Promise<void> {
    // Fastify: the module registered text/xml parsers, so the body is a Buffer already. Express: read it.
    const body = req.raw !== undefined ? req.body : await readAll(req as unknown as Readable);
    const answer = await this.callbacks.handleCallback({
      method: req.method,
      query: req.query, // the framework's parsed query object
      body,
      contentType: req.headers['content-type'],
      remoteAddress: req.ip,
    });
    res.status(answer.status).header('content-type', answer.contentType).send(answer.body);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An app route next to the callback route, to check the module leaves it alone. */
@Controller('other')
class OtherController {
  @Post()
  echo(@Req() req: { body?: unknown }): { type: string; length?: number } {
    const body = req.body;
    return Buffer.isBuffer(body)
      ? { type: 'buffer', length: body.length }
      : { type: typeof body, length: typeof body === 'string' ? body.length : undefined };
  }
}

@Module({ controllers: [OtherController] })
class OtherModule {}

/** A MemoryStore that fails every call while `down` (a Redis outage, say). */
class FlakyStore extends MemoryStore {
  down = false;
  constructor() {
    super();
    for (const method of ['acquireLock', 'releaseLock', 'getJob', 'saveJob', 'setOnce'] as const) {
      const original = this[method].bind(this) as (...args: unknown[]) => Promise<unknown>;
      (this as Record<string, unknown>)[method] = (...args: unknown[]) =>
        this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : original(...args);
    }
  }
}

let booted: CallbackApp | undefined;
afterEach(async () => {
  await booted?.close();
  if (booted) expect(booted.logger.leaking(SECRETS)).toEqual([]);
  booted = undefined;
});

describe.each(ADAPTERS)('wiring on %s', (adapter) => {
  it.each(REGISTRATIONS)(
    '%s with registerCallbackController: false — handleCallback() in an app route answers GET and POST',
    async (registration) => {
      booted = await bootCallbackApp(adapter, registration, validOptions({ fetchResults: false }), {
        registerCallbackController: false,
        controllers: [OwnCallbackController],
      });
      const own = `${booted.url}/hooks/wecom`;
      expect((await getCallback(booted.callbackUrl, vectorBQueryNow(KEYS))).status).toBe(404);
      const get = await getCallback(own, vectorBQueryNow(KEYS));
      expect([get.status, get.body]).toEqual([200, '1616140317555161061']);

      const delivery = buildDelivery(
        KEYS,
        batchJobResultXml({ corpId: KEYS.corpId, jobId: 'own-route-1', jobType: 'sync_user' }),
      );
      await booted.submitted('own-route-1');
      const post = await postCallback(own, delivery.query, delivery.body);
      expect([post.status, post.body]).toEqual([200, '']);
      await waitFor(() => booted!.events.completed.some((e) => e.jobId === 'own-route-1'), 5_000, 'completed');

      const duplicated = await postCallback(own, `${delivery.query}&nonce=1`, delivery.body);
      expect(duplicated.status).toBe(400);
      const forged = await postCallback(own, delivery.query.replace('nonce=', 'nonce=9'), delivery.body);
      expect(forged.status).toBe(401);
      await waitFor(() => booted!.events.rejected.length === 2, 2_000, 'two rejected events');
      expect(booted.events.rejected.map((e) => e.reason)).toEqual(['invalid_parameters', 'bad_signature']);
    },
  );

  it('store outage: 503 and a store_unavailable event, then WeCom’s retry completes the job once', async () => {
    const store = new FlakyStore();
    booted = await bootCallbackApp(adapter, 'forRoot', validOptions({ fetchResults: false, store }));
    const delivery = buildDelivery(
      KEYS,
      batchJobResultXml({ corpId: KEYS.corpId, jobId: 'outage-1', jobType: 'replace_user' }),
    );
    await booted.submitted('outage-1', 'replace_user');
    store.down = true;
    const refused = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
    expect(refused.status).toBe(503);
    await waitFor(() => booted!.events.rejected.length === 1, 2_000, 'the rejected event');
    expect(booted.events.rejected[0]).toMatchObject({ reason: 'store_unavailable', status: 503, method: 'POST' });
    expect(booted.logger.lines.some((l) => l.level === 'error' && l.text.includes('store_unavailable'))).toBe(true);
    // The job id is decrypted content: neither the refusal's log line nor its event names it.
    expect(
      booted.logger.lines
        .filter((l) => l.text.includes('refused'))
        .map((l) => l.text)
        .join('\n'),
    ).not.toContain('outage-1');
    expect(JSON.stringify(booted.events.rejected)).not.toContain('outage-1');

    store.down = false;
    const retried = await postCallback(booted.callbackUrl, delivery.query, delivery.body);
    expect([retried.status, retried.body]).toEqual([200, '']);
    await waitFor(() => booted!.events.completed.length === 1, 5_000, 'completed');
    expect(booted.events.completed[0]).toMatchObject({ jobId: 'outage-1', source: 'callback' });
  });

  it('a flood of forged deliveries: one event each, but one warning line per reason and interval', async () => {
    booted = await bootCallbackApp(adapter, 'forRoot', validOptions({ fetchResults: false }));
    const forged = buildDelivery(
      KEYS,
      batchJobResultXml({ corpId: KEYS.corpId, jobId: 'flood', jobType: 'sync_user' }),
      { signWith: { ...KEYS, token: 'NotTheToken' } },
    );
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => postCallback(booted!.callbackUrl, forged.query, forged.body)),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([401]));
    await waitFor(() => booted!.events.rejected.length === 30, 2_000, '30 rejected events');
    const warnings = booted.logger.lines.filter((l) => l.level === 'warn' && l.text.includes('bad_signature'));
    expect(warnings).toHaveLength(1);
  });

  it('a custom callbackPath under a global prefix', async () => {
    const options = validOptions({ fetchResults: false });
    options.callback = { ...options.callback!, url: 'http://127.0.0.1:9/api/integrations/wecom' };
    booted = await bootCallbackApp(adapter, 'forRootAsync', options, {
      callbackPath: '/integrations/wecom',
      configure: (app) => app.setGlobalPrefix('api'),
    });
    const url = `${booted.url}/api/integrations/wecom`;
    expect((await getCallback(url, vectorBQueryNow(KEYS))).body).toBe('1616140317555161061');
    await booted.submitted('prefixed-1');
    const delivery = buildDelivery(
      KEYS,
      batchJobResultXml({ corpId: KEYS.corpId, jobId: 'prefixed-1', jobType: 'sync_user' }),
    );
    // No Content-Type: on Fastify this goes through the module's catch-all parser, found by route config.
    expect((await postCallback(url, delivery.query, delivery.body, null)).status).toBe(200);
    await waitFor(() => booted!.events.completed.length === 1, 5_000, 'completed');
  });
});

describe('Fastify: the app keeps its own parsers and its other routes behave as before', () => {
  it('other routes still get 415 for unknown or missing content types, and a Buffer for XML', async () => {
    booted = await bootCallbackApp('fastify', 'forRoot', validOptions({ fetchResults: false }), {
      imports: [OtherModule],
    });
    const other = `${booted.url}/other`;
    expect((await postCallback(other, '', 'a,b\n1,2', 'text/csv')).status).toBe(415);
    expect((await postCallback(other, '', 'payload', null)).status).toBe(415);
    const xml = await postCallback(other, '', '<a/>', 'application/xml');
    expect([xml.status, JSON.parse(xml.body)]).toEqual([201, { type: 'buffer', length: 4 }]);
    // An oversized body on the callback route is the module's 413 (with its event)...
    const d = buildDelivery(KEYS, batchJobResultXml({ corpId: KEYS.corpId, jobId: 'big', jobType: 'sync_user' }));
    expect((await postCallback(booted.callbackUrl, d.query, 'x'.repeat(20_000), 'text/csv')).status).toBe(413);
    await waitFor(() => booted!.events.rejected.some((e) => e.reason === 'body_too_large'), 2_000, 'rejected');
    // ...and a body Fastify itself would accept elsewhere (under its 1 MiB limit) is fine on other routes.
    expect((await postCallback(other, '', `<a>${'x'.repeat(20_000)}</a>`, 'text/xml')).status).toBe(201);
  });

  it('an XML parser the app registered first is kept, and the callback route uses its result', async () => {
    booted = await bootCallbackApp('fastify', 'forRoot', validOptions({ fetchResults: false }), {
      imports: [OtherModule],
      configure: (app: INestApplication) =>
        (app as NestFastifyApplication).useBodyParser('text/xml', {}, (_req, body, done) =>
          done(null, body.toString('utf8')),
        ),
    });
    const xml = await postCallback(`${booted.url}/other`, '', '<a/>', 'text/xml');
    expect(JSON.parse(xml.body)).toEqual({ type: 'string', length: 4 });
    const d = buildDelivery(
      KEYS,
      batchJobResultXml({ corpId: KEYS.corpId, jobId: 'app-parser', jobType: 'sync_user' }),
    );
    await booted.submitted('app-parser');
    expect((await postCallback(booted.callbackUrl, d.query, d.body, 'text/xml')).status).toBe(200);
    await waitFor(() => booted!.events.completed.length === 1, 5_000, 'completed');
  });
});

describe('Express: a body the app already read', () => {
  it('express.text() for every type: the callback route uses the string it left', async () => {
    booted = await bootCallbackApp('express', 'forRoot', validOptions({ fetchResults: false }), {
      configure: (app: INestApplication) => (app as NestExpressApplication).useBodyParser('text', { type: '*/*' }),
    });
    const d = buildDelivery(
      KEYS,
      batchJobResultXml({ corpId: KEYS.corpId, jobId: 'express-text', jobType: 'sync_user' }),
    );
    await booted.submitted('express-text');
    expect((await postCallback(booted.callbackUrl, d.query, d.body, 'text/xml')).status).toBe(200);
    await waitFor(() => booted!.events.completed.length === 1, 5_000, 'completed');
  });
});
