// A quick measurement of the simulator at 1,000,000 members / rows (issue 14) — not a test, not a benchmark
// with a baseline: how long the simulator takes and how long it holds its own event loop, in the process it runs in.
//   npm run build && node --expose-gc test/simulator/large.measure.mjs [export|import|import1m|all]
// Prints, per phase: wall time, the longest gap of a 2 ms interval timer (and the process CPU time inside that gap:
// on a machine shared with other processes the gap includes waiting for a core, the CPU time is what the
// simulator itself held), and RSS before / at peak.
import { Blob } from 'node:buffer';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WeComSimulator } from '../../dist/esm/testing/index.js';

const KEY = 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2';
const mode = process.argv[2] ?? 'all';

let maxGap = 0;
let maxCpuGap = 0;
let last = performance.now();
let lastCpu = process.cpuUsage();
const ticker = setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage(lastCpu);
  maxGap = Math.max(maxGap, now - last);
  maxCpuGap = Math.max(maxCpuGap, Math.min(now - last, (cpu.user + cpu.system) / 1000));
  last = now;
  lastCpu = process.cpuUsage();
}, 2);
let peakRss = 0;
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const MB = (bytes) => (bytes / 1048576).toFixed(0);

async function phase(name, fn) {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  maxGap = 0;
  maxCpuGap = 0;
  last = performance.now();
  lastCpu = process.cpuUsage();
  const rss0 = process.memoryUsage().rss;
  peakRss = rss0;
  const started = performance.now();
  const note = await fn();
  const ms = (performance.now() - started).toFixed(0);
  console.log(
    `${name}: ${ms} ms, longest stall ${maxGap.toFixed(1)} ms (CPU in it ${maxCpuGap.toFixed(1)} ms), ` +
      `RSS ${MB(rss0)} → peak ${MB(peakRss)} MB${typeof note === 'string' ? `, ${note}` : ''}`,
  );
  return note;
}

const sim = await WeComSimulator.start({ corps: [{ corpId: 'wwbig', corpSecret: 's' }], jobDelayMs: 10 });
const json = async (res) => res.json();
const token = (await json(await fetch(`${sim.baseUrl}/cgi-bin/gettoken?corpid=wwbig&corpsecret=s`))).access_token;
const api = (path) => `${sim.baseUrl}/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${token}`;
const post = async (path, body) =>
  json(
    await fetch(api(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureExport() {
  await phase('generateMembers(1,000,000)', async () => sim.generateMembers('wwbig', 1_000_000, 7));
  const result = await phase('export/user of 1,000,000, block 100,000: until status 2 (the md5 pass)', async () => {
    const { jobid } = await post('export/user', { encoding_aeskey: KEY, block_size: 100_000 });
    for (;;) {
      await sleep(20);
      const answer = await json(await fetch(api(`export/get_result?jobid=${jobid}`)));
      if (answer.status >= 2) return answer;
    }
  });
  await phase(`download the ${result.data_list.length} files (md5 checked)`, async () => {
    let bytes = 0;
    for (const file of result.data_list) {
      const hash = createHash('md5');
      for await (const chunk of (await fetch(file.url)).body) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      if (hash.digest('hex') !== file.md5) throw new Error('md5 mismatch');
    }
    return `${MB(bytes)} MB of ciphertext`;
  });
  await phase('user/list_id over 1,000,000 members (limit 10,000)', async () => {
    let cursor = '';
    let rows = 0;
    do {
      const page = await post('user/list_id', { cursor, limit: 10_000 });
      rows += page.dept_user.length;
      cursor = page.next_cursor;
    } while (cursor);
    return `${rows} rows`;
  });
}

async function measureImport(from, count, compact) {
  const lines = ['姓名,帐号,手机号,邮箱,所在部门'];
  for (let i = from; i < from + count; i++) {
    lines.push(compact ? `a,${i.toString(36)},${i},,1` : `张${i % 100},v${i},1${String(i).padStart(10, '0')},,1`);
  }
  const csv = Buffer.from(lines.join('\n'));
  lines.length = 0;
  const form = new globalThis.FormData();
  form.append('media', new Blob([csv], { type: 'text/csv' }), 'members.csv');
  const uploaded = await phase(`upload ${MB(csv.length)} MB (${count} rows)`, async () =>
    json(await fetch(api('media/upload?type=file'), { method: 'POST', body: form })),
  );
  if (uploaded.errcode) throw new Error(JSON.stringify(uploaded));
  const submitted = await phase('submit syncuser (the file is read in slices)', () =>
    post('batch/syncuser', { media_id: uploaded.media_id }),
  );
  if (submitted.errcode) throw new Error(JSON.stringify(submitted));
  await phase('the job is applied in slices, until status 3', async () => {
    for (;;) {
      await sleep(20);
      const text = await (await fetch(api(`batch/getresult?jobid=${submitted.jobid}`))).text();
      if (text.includes('"status":3')) return;
    }
  });
  await phase('getresult (streamed by the simulator; JSON.parse here)', async () => {
    const answer = await json(await fetch(api(`batch/getresult?jobid=${submitted.jobid}`)));
    return `${answer.result.length} rows, ${answer.result.filter((r) => r.errcode).length} errors`;
  });
}

try {
  if (mode === 'export' || mode === 'all') await measureExport();
  if (mode === 'import' || mode === 'all') {
    await measureImport(0, 700_000, false);
    await measureImport(700_000, 300_000, false);
  }
  if (mode === 'import1m') await measureImport(0, 1_000_000, true);
} finally {
  clearInterval(ticker);
  clearInterval(rssTimer);
  await sim.close();
}
