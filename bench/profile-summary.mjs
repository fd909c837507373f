// Summarises a .cpuprofile (node --cpu-prof): self time per function and per package/file, and the inclusive
// time of the functions whose name matches a filter. Used to explain where a benchmark's time goes.
//   node bench/profile-summary.mjs <file.cpuprofile> [--top 25] [--match <regexp>] [--long-tasks N]
// --long-tasks N: the N longest stretches without an idle sample (event-loop stalls) and what ran in them.
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile> [--top N] [--match REGEXP]');
  process.exit(2);
}
const top = Number(option('--top') ?? 25);
const match = option('--match');
const longTasks = Number(option('--long-tasks') ?? 0);

function option(name) {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
}

const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample i lasted timeDeltas[i + 1] (the delta before the next sample).
const self = new Map();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  total += dt;
}

const where = (n) => {
  const url = n.callFrame.url || '';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (url.includes('/dist/')) return `nestjs-wecom-batch:${url.split('/dist/')[1]}`;
  if (url.startsWith('node:')) return url;
  return url ? url.split('/').slice(-2).join('/') : `(${n.callFrame.functionName || 'native'})`;
};

const byFunction = new Map();
const byPlace = new Map();
for (const [id, t] of self) {
  const n = nodes.get(id);
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  byPlace.set(where(n), (byPlace.get(where(n)) ?? 0) + t);
}

const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
const ms = (t) => `${(t / 1000).toFixed(0).padStart(7)} ms`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(t)} ${pct(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by package / file', byPlace);
print('self time by function', byFunction);

if (match) {
  // Inclusive time of matching frames (counted once per sample even when recursive).
  const re = new RegExp(match);
  const inclusive = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const n = nodes.get(id);
      const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
      if (!re.test(key) || seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  print(`inclusive time of frames matching /${match}/`, inclusive);
}

if (longTasks > 0) {
  // A stall = consecutive samples that are not idle; attribute its time to the frames on the stack.
  const tasks = [];
  let current;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const idle = nodes.get(profile.samples[i]).callFrame.functionName === '(idle)';
    if (idle) {
      if (current) tasks.push(current);
      current = undefined;
      continue;
    }
    current ??= { ms: 0, frames: new Map() };
    current.ms += dt / 1000;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const n = nodes.get(id);
      const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      current.frames.set(key, (current.frames.get(key) ?? 0) + dt / 1000);
    }
  }
  if (current) tasks.push(current);
  for (const task of tasks.sort((a, b) => b.ms - a.ms).slice(0, longTasks)) {
    console.log(`\nstall of ${task.ms.toFixed(1)} ms; frames by inclusive time:`);
    for (const [k, t] of [...task.frames].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${t.toFixed(1).padStart(8)} ms  ${k}`);
    }
  }
}
