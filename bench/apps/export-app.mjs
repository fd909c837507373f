// A running Nest app (Express) that serves GET /ping while it exports and reads a directory, in its own process.
//   node --expose-gc export-app.mjs '<json: { apiBaseUrl, corps: [{ corpId, corpSecret }] }>'
// IPC: { type: 'ready', url } → { type: 'export', corpId } → { type: 'exported', ... } (repeatable) →
//   { type: 'throughput', corpId, jobId } → { type: 'throughput', ... } → exits on { type: 'stop' }.
// Measured inside this process: event-loop delay (perf_hooks.monitorEventLoopDelay, max), wall time, peak RSS.
import { Controller, Get } from '@nestjs/common';
import { createDecipheriv } from 'node:crypto';
import { createServer } from 'node:net';
import { BatchService, MemoryStore } from 'nestjs-wecom-batch';
import { parentChannel, round } from '../lib/common.mjs';
import { bootApp, decorateClass, decorateMethod, wecomImports } from '../lib/nest.mjs';
// The reader itself, for the MB/s figure on bytes already in memory (internal: imported from the build by path).
import { readExportRows } from '../../dist/esm/batch/export/export-file.reader.js';
import { exportAesKey } from '../../dist/esm/batch/export/export-key.util.js';
import { measureStall } from '../lib/stall.mjs';

const config = JSON.parse(process.argv[2]);
const channel = parentChannel();

class PingController {
  ping() {
    return 'pong';
  }
}
decorateClass(PingController, Controller());
decorateMethod(PingController, 'ping', Get('ping'));

// One registration per corp would need names; one app per corp is simpler: the corp comes with each request.
const apps = new Map();
let pingUrl;
for (const corp of config.corps) {
  const store = new MemoryStore();
  const booted = await bootApp({
    adapter: 'express',
    controllers: apps.size === 0 ? [PingController] : [],
    imports: wecomImports({
      corpId: corp.corpId,
      corpSecret: corp.corpSecret,
      apiBaseUrl: config.apiBaseUrl,
      store,
      requestTimeoutMs: 60_000,
      polling: { initialIntervalMs: 100, maxIntervalMs: 500, timeoutMs: 600_000 },
    }),
    port: await freePort(),
  });
  pingUrl ??= booted.url;
  apps.set(corp.corpId, { ...booted, store, corp, batch: booted.app.get(BatchService) });
}

/** Runs `fn` while measuring the event loop's longest stall, the wall time and the RSS peak above the start. */
async function measured(fn) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const rssBefore = process.memoryUsage.rss();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 2);
  const { value, ms, maxStallMs, p99StallMs } = await measureStall(fn);
  clearInterval(sampler);
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  if (maxRssAfter > maxRssBefore) rssPeak = Math.max(rssPeak, maxRssAfter);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  return {
    value,
    ms: round(ms, 1),
    maxEventLoopDelayMs: round(maxStallMs, 1),
    p99EventLoopDelayMs: round(p99StallMs, 1),
    peakRssGrowthMiB: round((rssPeak - rssBefore) / 1024 / 1024, 1),
  };
}

/** exportUsers → wait → rows(): the whole read as an app runs it, in two windows. */
async function exportAndRead(corpId) {
  const { batch } = apps.get(corpId);
  let job;
  const submitted = await measured(async () => {
    job = await batch.exportUsers();
    await job.wait({ timeoutMs: 600_000 });
  });
  const read = await measured(async () => {
    let members = 0;
    let departments = 0;
    for await (const member of job.rows()) {
      members++;
      departments += member.departments.length;
    }
    return { members, departments };
  });
  return {
    jobId: job.jobId,
    exportAndWait: { ...submitted, value: undefined },
    rows: { ...read, value: undefined, ...read.value, usPerMember: round((read.ms * 1000) / read.value.members, 2) },
  };
}

/**
 * On the bytes of one finished export, already in memory: the library's decrypt + streaming parse (the reader
 * `rows()` uses, without the download) against node:crypto's raw AES-256-CBC decryption of the same bytes, and the
 * naive path (decrypt a whole file, JSON.parse it) whose stall is the baseline.
 */
async function throughput(corpId, jobId) {
  const { store, corp } = apps.get(corpId);
  const { encodingAesKey } = (await store.getJob(corpId, jobId)).export;
  const token = await (
    await fetch(`${config.apiBaseUrl}/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${corp.corpSecret}`)
  ).json();
  const result = await (
    await fetch(`${config.apiBaseUrl}/cgi-bin/export/get_result?access_token=${token.access_token}&jobid=${jobId}`)
  ).json();
  const files = [];
  for (const { url } of result.data_list) files.push(Buffer.from(await (await fetch(url)).arrayBuffer()));
  const bytes = files.reduce((n, f) => n + f.length, 0);
  const key = exportAesKey(encodingAesKey);

  const raw = await measured(async () => {
    for (const file of files) {
      const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      decipher.update(file);
      decipher.final();
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  const library = await measured(async () => {
    let rows = 0;
    for (const file of files) for await (const _ of readExportRows(file, key, 'export_user')) rows++;
    return rows;
  });
  const naive = await measured(async () => {
    const file = files[0];
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(file), decipher.final()]);
    return JSON.parse(plain.subarray(0, plain.length - plain[plain.length - 1]).toString('utf8')).userlist.length;
  });
  const mbps = (ms) => round(bytes / 1e6 / (ms / 1000), 1);
  return {
    files: files.length,
    bytes,
    rawAes: { ...raw, value: undefined, mbPerS: mbps(raw.ms) },
    decryptAndParse: { ...library, value: undefined, rows: library.value, mbPerS: mbps(library.ms) },
    naiveOneFile: { ...naive, value: undefined, rows: naive.value, bytes: files[0].length },
  };
}

channel.on('export', async ({ corpId }) =>
  channel.send({ type: 'exported', corpId, ...(await exportAndRead(corpId)) }),
);
channel.on('throughput', async ({ corpId, jobId }) =>
  channel.send({ type: 'throughput', ...(await throughput(corpId, jobId)) }),
);
channel.on('stop', async () => {
  for (const { app } of apps.values()) await app.close();
  process.exit(0);
});
await channel.send({ type: 'ready', url: pingUrl });

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
