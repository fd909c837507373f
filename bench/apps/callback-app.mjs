// A Nest app under load, in its own process: either the module's callback route or a bare POST route that
// reads the same raw body and answers 200 the same way (through Nest's HTTP adapter).
//   node callback-app.mjs <express|fastify> <module|bare> [none|slow]
// IPC: sends { type: 'ready', url, path }; answers { type: 'stats' }; { type: 'seed', jobIds } writes the pending
// records a submission would have written (→ 'seeded'); exits on { type: 'stop' }.
import { Controller, Injectable, Module, Post, Req, Res } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStore, WECOM_BATCH_EVENTS } from 'nestjs-wecom-batch';
import { parentChannel } from '../lib/common.mjs';
import { startProfile, stopProfile } from '../lib/profiler.mjs';
import { KEYS } from '../lib/deliveries.mjs';
import { bootApp, decorateClass, decorateMethod, param, wecomImports } from '../lib/nest.mjs';

const [adapter = 'express', variant = 'module', listener = 'none'] = process.argv.slice(2);
const SLOW_LISTENER_MS = 10_000;

/** Counts the module's events; with `slow`, also a completed-listener that takes 10 s per event. */
class EventCounter {
  completed = 0;
  rejected = 0;
  slowStarted = 0;
  slowFinished = 0;
  release = new AbortController();

  constructor() {
    // One abort listener per running slow listener (hundreds at once under load): expected, not a leak.
    setMaxListeners(0, this.release.signal);
  }

  onCompleted() {
    this.completed++;
  }

  onRejected() {
    this.rejected++;
  }

  async slow() {
    this.slowStarted++;
    await sleep(SLOW_LISTENER_MS, undefined, { signal: this.release.signal }).catch(() => undefined);
    this.slowFinished++;
  }
}
decorateClass(EventCounter, Injectable());
decorateMethod(EventCounter, 'onCompleted', OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED));
decorateMethod(EventCounter, 'onRejected', OnEvent(WECOM_BATCH_EVENTS.CALLBACK_REJECTED));
if (listener === 'slow')
  decorateMethod(EventCounter, 'slow', OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED, { async: true }));

let httpAdapter;

/** The baseline: reads the raw body (Express: the stream; Fastify: its buffer parser) and answers 200, empty. */
class BareController {
  async receive(req, res) {
    const body = req.raw !== undefined ? req.body : await readBody(req);
    if (!Buffer.isBuffer(body) || body.length === 0) throw new Error('the bare route got no raw body');
    httpAdapter.setHeader(res, 'Content-Type', 'text/plain; charset=utf-8');
    httpAdapter.reply(res, undefined, 200);
  }
}
decorateClass(BareController, Controller('bare'));
decorateMethod(BareController, 'receive', Post(), param(0, Req()), param(1, Res()));

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

class CounterModule {}
decorateClass(CounterModule, Module({ providers: [EventCounter], exports: [EventCounter] }));

const store = new MemoryStore();
const imports =
  variant === 'module'
    ? [
        ...wecomImports({
          store,
          // Deliveries of jobs that were not seeded (ack-latency) are followed as before the unknown-job default.
          callbackFollowUnknownJobs: true,
          // Every round seeds more pending records than it delivers (its rate is not known in advance); the
          // pending sweep (every 60 s) would follow the tens of thousands left over and poll a WeCom that is not
          // there, saturating the app during the later phases (it made the Fastify floods read 0–37 refusals/s).
          resumePendingJobs: false,
          corpId: KEYS.corpId,
          corpSecret: KEYS.corpSecret,
          apiBaseUrl: 'http://127.0.0.1:9',
          callback: {
            url: 'http://127.0.0.1:9/wecom/batch/callback',
            token: KEYS.token,
            encodingAESKey: KEYS.encodingAESKey,
          },
          // Completion from the callback alone: no getresult call to a WeCom that is not there.
          fetchResults: false,
        }),
        CounterModule,
      ]
    : [];
const { app, url } = await bootApp({
  adapter,
  imports,
  controllers: variant === 'bare' ? [BareController] : [],
  beforeListen: (nestApp) => {
    httpAdapter = nestApp.getHttpAdapter();
    if (variant === 'bare' && adapter === 'fastify') {
      httpAdapter
        .getInstance()
        .addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'buffer' }, (_req, body, done) =>
          done(null, body),
        );
    }
  },
});
const counter = variant === 'module' ? app.get(EventCounter) : undefined;
const channel = parentChannel();
channel.on('stats', () =>
  channel.send({
    type: 'stats',
    completed: counter?.completed ?? 0,
    rejected: counter?.rejected ?? 0,
    slowStarted: counter?.slowStarted ?? 0,
    slowFinished: counter?.slowFinished ?? 0,
    rssMiB: Math.round(process.memoryUsage.rss() / 1024 / 1024),
  }),
);
channel.on('seed', async ({ jobIds }) => {
  const submittedAt = Date.now();
  for (const jobId of jobIds) {
    await store.saveJob(
      { corpId: KEYS.corpId, jobId, jobType: 'sync_user', submittedAt, status: 'pending' },
      3_600_000,
    );
  }
  await channel.send({ type: 'seeded', count: jobIds.length });
});
channel.on('profile-start', async () => {
  await startProfile();
  await channel.send({ type: 'profile-started' });
});
channel.on('profile-stop', async ({ file }) => {
  await stopProfile(file);
  await channel.send({ type: 'profile-stopped', file });
});
channel.on('stop', async () => {
  counter?.release.abort();
  await app.close();
  process.exit(0);
});
await channel.send({ type: 'ready', url, path: variant === 'module' ? '/wecom/batch/callback' : '/bare' });
