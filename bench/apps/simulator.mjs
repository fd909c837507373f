// The WeCom simulator in a process of its own, so parsing and applying a 100,000-row import does not share an
// event loop with the app being measured.   node simulator.mjs '<json: WeComSimulatorOptions>'
// IPC: { type: 'ready', url }; { type: 'jobs' } → { type: 'jobs', jobs: [{ jobId, type, status, errCode, total }] }.
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { parentChannel } from '../lib/common.mjs';

const sim = await WeComSimulator.start(JSON.parse(process.argv[2]));
const channel = parentChannel();
channel.on('jobs', () =>
  channel.send({
    type: 'jobs',
    jobs: sim.jobs().map(({ jobId, type, status, errCode, total }) => ({ jobId, type, status, errCode, total })),
    tokenFetches: sim.tokenFetches(),
  }),
);
channel.on('stop', async () => {
  await sim.close();
  process.exit(0);
});
await channel.send({ type: 'ready', url: sim.baseUrl });
