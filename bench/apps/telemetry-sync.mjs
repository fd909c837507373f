// A sync through the simulator to completion (validate, CSV, upload, submit, poll, rows), timed, in its own process:
// bench/telemetry.mjs runs it with and without OpenTelemetry. IPC: sends { type: 'sync', rows, ms } (best of rounds).
import { NestFactory } from '@nestjs/core';
import { performance } from 'node:perf_hooks';
import { BatchService } from 'nestjs-wecom-batch';
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { parentChannel, round } from '../lib/common.mjs';
import { KEYS } from '../lib/deliveries.mjs';
import { rootModule, wecomImports } from '../lib/nest.mjs';

const ROWS = 2_000;
const ROUNDS = 4;

const sim = await WeComSimulator.start({
  corps: [
    {
      corpId: KEYS.corpId,
      corpSecret: KEYS.corpSecret,
      departments: [{ id: 1, name: 'root', parentId: 0, order: 0 }],
      users: [],
    },
  ],
  jobDelayMs: 0,
});
const AppModule = rootModule({
  imports: wecomImports({
    corpId: KEYS.corpId,
    corpSecret: KEYS.corpSecret,
    apiBaseUrl: sim.baseUrl,
    polling: { initialIntervalMs: 5, maxIntervalMs: 5 },
  }),
});
const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
await app.init();
const batch = app.get(BatchService);
const times = [];
for (let r = 0; r < ROUNDS; r++) {
  const users = Array.from({ length: ROWS }, (_, i) => ({
    userid: `r${r}u${i}`,
    name: `成员${i}`,
    mobile: `13${String(r)}${String(i).padStart(8, '0')}`,
    departments: [1],
  }));
  const started = performance.now();
  await (await batch.syncUsers({ users })).wait();
  times.push(performance.now() - started);
}
await app.close();
await sim.close();
await parentChannel().send({ type: 'sync', rows: ROWS, ms: round(Math.min(...times.slice(1)), 1) });
process.exit(0);
