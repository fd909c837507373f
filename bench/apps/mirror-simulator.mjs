// The WeCom simulator for bench/mirror.mjs, in a process of its own (its export encryption must not share an event
// loop with the app being measured): one corp with `members` generated members.
//   node mirror-simulator.mjs '<json: { corp, members, seed }>'
// IPC: { type: 'ready', url }; { type: 'exports' } → { type: 'exports', jobs: [{ type, total, bytes }] } (bytes: the
// files' ciphertext, i.e. the plaintext plus at most 32 bytes of padding per file).
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { parentChannel } from '../lib/common.mjs';

const { corp, members, seed } = JSON.parse(process.argv[2]);
const sim = await WeComSimulator.start({ corps: [corp], jobDelayMs: 10 });
sim.generateMembers(corp.corpId, members, seed);
const channel = parentChannel();
channel.on('exports', () =>
  channel.send({
    type: 'exports',
    jobs: sim.exportJobs(corp.corpId).map((job) => ({
      type: job.type,
      total: job.total,
      bytes: job.files.reduce((n, f) => n + f.size, 0),
    })),
  }),
);
channel.on('stop', async () => {
  await sim.close();
  process.exit(0);
});
await channel.send({ type: 'ready', url: sim.baseUrl });
