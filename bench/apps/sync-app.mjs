// A running Nest app (Express) that serves GET /ping while it syncs 100,000 members, in its own process.
//   node --expose-gc sync-app.mjs '<json: { mode: 'module' | 'naive', apiBaseUrl, rows }>'
// module: buildMemberCsv (what syncUsers does with { users }), then the whole syncUsers → job.wait().
// naive:  plainToInstance + validateSync on every row, then one big string join (the usual hand-written path).
// Measured inside this process: event-loop delay (perf_hooks.monitorEventLoopDelay, max), wall time, peak RSS.
// IPC: { type: 'ready', url } → waits for { type: 'go' } → { type: 'result', ... } → exits on { type: 'stop' }.
import { Controller, Get } from '@nestjs/common';
import { createServer } from 'node:net';
import { BatchService, buildMemberCsv } from 'nestjs-wecom-batch';
import { parentChannel, round } from '../lib/common.mjs';
import { bootApp, decorateClass, decorateMethod, wecomImports } from '../lib/nest.mjs';
import { SYNC_CORP, makeMembers } from '../lib/members.mjs';
import { naiveCsv } from '../lib/naive-csv.mjs';
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

const port = await freePort();
const wecom = wecomImports({
  corpId: SYNC_CORP.corpId,
  corpSecret: SYNC_CORP.corpSecret,
  apiBaseUrl: config.apiBaseUrl,
  callback: {
    url: `http://127.0.0.1:${port}/wecom/batch/callback`,
    token: SYNC_CORP.callbackToken,
    encodingAESKey: SYNC_CORP.encodingAESKey,
  },
  requestTimeoutMs: 60_000,
});
const { app, url } = await bootApp({ adapter: 'express', imports: wecom, controllers: [PingController], port });
const rows = makeMembers(config.rows);

/** Runs `fn` while measuring the event loop's longest stall, the wall time and the RSS peak above the start. */
async function measured(fn) {
  globalThis.gc();
  const rssBefore = process.memoryUsage.rss();
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;
  const heapBefore = process.memoryUsage();
  let rssPeak = rssBefore;
  let heapPeak = heapBefore.heapUsed;
  let externalPeak = heapBefore.external;
  const sample = () => {
    const now = process.memoryUsage();
    rssPeak = Math.max(rssPeak, now.rss);
    heapPeak = Math.max(heapPeak, now.heapUsed);
    externalPeak = Math.max(externalPeak, now.external);
  };
  const sampler = setInterval(sample, 2);
  const { value, ms, maxStallMs, p99StallMs } = await measureStall(fn);
  clearInterval(sampler);
  // A synchronous stretch gives the sampler no chance: the kernel's high-water mark catches that peak.
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  if (maxRssAfter > maxRssBefore) rssPeak = Math.max(rssPeak, maxRssAfter);
  sample();
  return {
    value,
    ms: round(ms, 1),
    maxEventLoopDelayMs: round(maxStallMs, 1),
    p99EventLoopDelayMs: round(p99StallMs, 1),
    peakRssGrowthMiB: round((rssPeak - rssBefore) / 1024 / 1024, 1),
    peakRssGrowthBytes: rssPeak - rssBefore,
    // Where the RSS went: V8's heap (live objects plus garbage not yet collected) and Buffers.
    peakHeapUsedGrowthMiB: round((heapPeak - heapBefore.heapUsed) / 1024 / 1024, 1),
    peakExternalGrowthMiB: round((externalPeak - heapBefore.external) / 1024 / 1024, 1),
  };
}

await channel.send({ type: 'ready', url });
await channel.next('go');
const result = { mode: config.mode, rows: rows.length };
if (config.mode === 'naive') {
  const naive = await measured(() => naiveCsv(rows));
  result.build = { ...naive, csvBytes: naive.value.length, value: undefined };
} else {
  const build = await measured(() => buildMemberCsv(rows));
  result.build = { ...build, csvBytes: build.value.csv.length, value: undefined };

  // The whole sync as an app runs it: validate + CSV, upload, submit, then completion (callback, getresult
  // rows persisted, completed event). Two windows, so the stall of each part is visible.
  const batch = app.get(BatchService);
  let job;
  const submit = await measured(async () => (job = await batch.syncUsers({ users: rows }, { toInvite: false })));
  const complete = await measured(() => job.wait({ timeoutMs: 300_000 }));
  result.syncUsers = { ...submit, value: undefined, jobId: job.jobId };
  result.completion = {
    ...complete,
    value: undefined,
    source: complete.value.source,
    errCode: complete.value.errCode,
    resultRows: complete.value.result?.length ?? 0,
    failedRows: complete.value.failedRows,
  };
}
await channel.send({ type: 'result', result });
await channel.next('stop');
await app.close();
process.exit(0);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
}
