// The WeCom simulator for the export benchmark, in a process of its own (generating and encrypting a
// 1,000,000-member export must not share the event loop or the RSS of the app being measured).
//   node export-simulator.mjs '<json: { corps: [{ corpId, corpSecret, members }] }>'
// IPC: { type: 'ready', url }; { type: 'exports', corpId } → { type: 'exports', jobs: [{ jobId, files: [{ size }] }] }.
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { parentChannel } from '../lib/common.mjs';

const config = JSON.parse(process.argv[2]);
const sim = await WeComSimulator.start({
  corps: config.corps.map(({ corpId, corpSecret }) => ({ corpId, corpSecret })),
  jobDelayMs: 50,
});
for (const { corpId, members } of config.corps) sim.generateMembers(corpId, members, 7);
const channel = parentChannel();
channel.on('exports', ({ corpId }) =>
  channel.send({
    type: 'exports',
    jobs: sim.exportJobs(corpId).map(({ jobId, type, total, blockSize, files }) => ({
      jobId,
      type,
      total,
      blockSize,
      files: files.map(({ size, records }) => ({ size, records })),
    })),
  }),
);
channel.on('stop', async () => {
  await sim.close();
  process.exit(0);
});
await channel.send({ type: 'ready', url: sim.baseUrl });
