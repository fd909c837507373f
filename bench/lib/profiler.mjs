// CPU profiles of a chosen window (the measured load only, not boot or idle time), via the inspector.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

let session;

export async function startProfile() {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}

/** Stops the profile and writes it to `file` (a .cpuprofile Chrome DevTools and bench/profile-summary.mjs read). */
export async function stopProfile(file) {
  if (!session) return;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  session = undefined;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
}
