import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { ADAPTERS } from '../e2e/helpers/app.js';
import { bootCallbackApp, waitFor, type CallbackApp } from '../e2e/helpers/callback-app.js';
import { buildDelivery, postCallback } from '../e2e/helpers/callback-delivery.js';
import { validOptions } from '../e2e/helpers/fixtures.js';
import { KEYS, eventXml, mutations, namedAttacks, worstShapeBodies, type HostileRequest } from './hostile-corpus.js';

// The hostile corpus against the real callback route, on Express and Fastify: the callback issue's list and the
// variations around it, every character of a valid delivery mutated, random byte-level damage, and broken
// connections. Whatever arrives: no 5xx, no completed (or failed) job event, no secret in any log line, response
// body or rejected event — and the route still works afterwards.

const SECRETS = [KEYS.token, KEYS.encodingAESKey, validOptions().corpSecret];
const CONCURRENCY = 8;

interface Outcome {
  name: string;
  status: number;
  body: string;
}

/** Sends one hostile request with node:http (any method, any bytes, no Content-Type when asked). */
function send(base: string, req: HostileRequest): Promise<Outcome> {
  const url = new URL(`${base}${req.query ? `?${req.query}` : ''}`);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (req.contentType) headers['content-type'] = req.contentType;
    if (req.body) headers['content-length'] = req.body.length;
    const r = request(url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ name: req.name, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Sends every request (a few at a time); the requests whose answer broke the rules, with why. */
async function violations(base: string, requests: HostileRequest[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const req = requests[next++];
      let outcome: Outcome;
      try {
        outcome = await send(base, req);
      } catch (error) {
        problems.push(`${req.name}: no answer (${(error as Error).message})`);
        continue;
      }
      const { status, body } = outcome;
      const refused = status >= 400 && status < 500;
      if (status >= 500) problems.push(`${req.name}: ${status} ${body.slice(0, 120)}`);
      else if (req.expect === 'refused' && !refused) problems.push(`${req.name}: accepted with ${status}`);
      else if (req.expect !== 'refused' && !refused && status !== 200) problems.push(`${req.name}: ${status}`);
      for (const secret of SECRETS) if (body.includes(secret)) problems.push(`${req.name}: a secret in the answer`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return problems;
}

/** Opens a raw connection, writes `chunks`, then ends or destroys it; resolves what came back (if anything). */
function raw(base: string, chunks: Array<string | Buffer>, how: 'end' | 'destroy'): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('data', (c) => (answer += c.toString()));
    socket.on('error', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (how === 'destroy') setTimeout(() => socket.destroy(), 20);
      else socket.end();
    });
    socket.setTimeout(3_000, () => socket.destroy());
  });
}

describe.each(ADAPTERS)('hostile callback corpus on %s', (adapter) => {
  let booted: CallbackApp;
  let path: string;

  beforeAll(async () => {
    booted = await bootCallbackApp(adapter, 'forRoot', validOptions({ fetchResults: false }));
    path = new URL(booted.callbackUrl).pathname;
  });

  afterAll(async () => {
    await booted?.close();
  });

  /** Completion runs after the answer: give any that was (wrongly) started the time to show. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

  /**
   * No job completed, except the jobs of `tolerated` requests (an intact, authentic message in damaged framing),
   * each at most once.
   */
  const noJobEvents = (tolerated: Array<string | undefined> = []) => {
    const ids = booted.events.completed.map((e) => e.jobId);
    expect(ids.filter((id) => !tolerated.includes(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(booted.events.failed).toEqual([]);
  };
  const reset = () => {
    booted.events.completed.length = 0;
  };

  it("the callback issue's list and the variations around it: never 5xx; no job completes (bar an intact message in sloppy framing, once)", async () => {
    const requests = namedAttacks();
    expect(requests.length).toBeGreaterThan(80);
    // The jobs of intact messages in sloppy framing exist: if one is read, it must complete once, not be dropped.
    for (const id of new Set(requests.map((r) => r.jobId))) if (id) await booted.submitted(id);
    expect(await violations(booted.callbackUrl, requests)).toEqual([]);
    await settle();
    noJobEvents(requests.filter((r) => r.expect === 'tolerated').map((r) => r.jobId));
    reset();
  });

  it('worst-shape forged bodies (the probe and its relatives), forged: refused; around a genuine Encrypt: read at most once', async () => {
    const valid = buildDelivery(KEYS, eventXml(`worst-${adapter}`));
    await booted.submitted(`worst-${adapter}`);
    const requests: HostileRequest[] = worstShapeBodies(valid.encrypt).flatMap(({ name, body }) => [
      {
        name: `${name} (forged signature)`,
        method: 'POST' as const,
        query: valid.query.replace(/=[0-9a-f]{4}/, '=0000'),
        body: Buffer.from(body),
        contentType: 'text/xml',
        expect: 'refused' as const,
      },
      {
        name: `${name} (valid signature)`,
        method: 'POST' as const,
        query: valid.query,
        body: Buffer.from(body),
        contentType: 'text/xml',
        // Well-formed framing around WeCom's intact, signed Encrypt: may be read (once), or refused.
        expect: 'tolerated' as const,
        jobId: `worst-${adapter}`,
      },
    ]);
    expect(await violations(booted.callbackUrl, requests)).toEqual([]);
    await settle();
    noJobEvents([`worst-${adapter}`]);
    reset();
  });

  it('every character of the signature, timestamp, nonce and Encrypt mutated: all refused', async () => {
    const base = buildDelivery(KEYS, eventXml(`mutated-${adapter}`));
    const { unsigned } = mutations(base, 0x5eed);
    expect(unsigned.length).toBe(
      base.signature.length + base.timestamp.length + base.nonce.length + base.encrypt.length,
    );
    expect(await violations(booted.callbackUrl, unsigned)).toEqual([]);
    await settle();
    noJobEvents();
  });

  it('every character of Encrypt mutated and re-signed with the right token (no AES key): all refused', async () => {
    const base = buildDelivery(KEYS, eventXml(`resigned-${adapter}`));
    const { resigned } = mutations(base, 0xc0ffee);
    // Only the unused low bits of the last base64 character can leave the bytes unchanged.
    expect(resigned.length).toBeGreaterThanOrEqual(base.encrypt.length - 3);
    expect(await violations(booted.callbackUrl, resigned)).toEqual([]);
    await settle();
    noJobEvents();
  });

  it('random byte-level damage to a valid delivery: never 5xx; only the intact message, if read, completes (once)', async () => {
    const base = buildDelivery(KEYS, eventXml(`damaged-${adapter}`));
    await booted.submitted(`damaged-${adapter}`);
    const body = Buffer.from(base.body);
    const edit = fc.oneof(
      fc.record({
        kind: fc.constant('overwrite' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    );
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        let damaged = body;
        for (const e of edits) {
          const at = e.at % (damaged.length + 1);
          if (e.kind === 'overwrite') {
            damaged = Buffer.from(damaged);
            Buffer.from(e.bytes).copy(damaged, Math.min(at, Math.max(0, damaged.length - e.bytes.length)));
          } else if (e.kind === 'insert') {
            damaged = Buffer.concat([damaged.subarray(0, at), Buffer.from(e.bytes), damaged.subarray(at)]);
          } else if (e.kind === 'delete') {
            damaged = Buffer.concat([damaged.subarray(0, at), damaged.subarray(at + e.count)]);
          } else {
            damaged = damaged.subarray(0, at);
          }
        }
        // A damaged copy identical to the original is simply the valid delivery: not what is tested here.
        fc.pre(!damaged.equals(body));
        const req: HostileRequest = {
          name: `damaged ${JSON.stringify(edits)}`,
          method: 'POST',
          query: base.query,
          body: damaged,
          contentType: 'text/xml',
          // Damage outside Encrypt leaves WeCom's signed message intact: it may still be read (see noJobEvents).
          expect: 'tolerated',
          jobId: `damaged-${adapter}`,
        };
        problems.push(...(await violations(booted.callbackUrl, [req])));
      }),
      { numRuns: 150, seed: 0x1234 },
    );
    expect(problems).toEqual([]);
    await settle();
    noJobEvents([`damaged-${adapter}`]);
    reset();
  });

  it('broken connections (aborted uploads, lying Content-Length, a never-ending chunked body) leave it working', async () => {
    const base = buildDelivery(KEYS, eventXml(`broken-${adapter}`));
    await booted.submitted(`broken-${adapter}`);
    const head = (extra: string) =>
      `POST ${path}?${base.query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n${extra}\r\n`;
    // Headers promise 1,000 bytes, 10 arrive, the client goes away.
    await raw(booted.url, [head('Content-Length: 1000\r\n'), base.body.slice(0, 10)], 'destroy');
    // Headers only, then gone.
    await raw(booted.url, [head('Content-Length: 500\r\n')], 'destroy');
    // Content-Length shorter than the body: the rest is a garbage second request.
    const short = await raw(booted.url, [head('Content-Length: 20\r\n'), base.body], 'end');
    expect(short).not.toMatch(/HTTP\/1\.1 5\d\d/);
    // 2 MB in chunks without an end.
    const chunk = `${(64 * 1024).toString(16)}\r\n${'A'.repeat(64 * 1024)}\r\n`;
    const chunked = await raw(
      booted.url,
      [head('Transfer-Encoding: chunked\r\n'), ...Array(32).fill(chunk)],
      'destroy',
    );
    expect(chunked).not.toMatch(/HTTP\/1\.1 5\d\d/);
    // Garbage instead of HTTP.
    await raw(booted.url, ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n'], 'end');
    await settle();
    noJobEvents();

    // Still serving: the untouched delivery completes its job, once.
    const answer = await postCallback(booted.callbackUrl, base.query, base.body);
    expect([answer.status, answer.body]).toEqual([200, '']);
    await waitFor(() => booted.events.completed.length === 1, 5_000, 'the completed event');
    expect(booted.events.completed.map((e) => e.jobId)).toEqual([`broken-${adapter}`]);
    reset();
  });

  it('no secret in any log line or rejected event, and the refusals were reported', () => {
    expect(booted.logger.leaking(SECRETS)).toEqual([]);
    expect(booted.events.rejected.length).toBeGreaterThan(500);
    for (const secret of SECRETS) expect(JSON.stringify(booted.events.rejected)).not.toContain(secret);
  });
});
