// mirror: planDirectory of a 100,000-member directory against a current state that differs in 1 % of the rows
// (400 changed positions, 300 moves, 150 leavers, 150 joiners), in a Nest app context, against the simulator in a
// process of its own. Same run, alternated (export, plan, export, plan; best of each): the time to read the export
// alone (exportDepartments + exportUsers, every row) is the baseline of the planning time. Measured in this process:
// the longest event-loop stall while planning (monitorEventLoopDelay) and the peak RSS growth over the RSS before it,
// against the export's plaintext size. Goals (issue 13): plan ≤ 1.5× the export read, stall ≤ 50 ms, RSS growth ≤ 3×
// the plaintext.   BENCH_MIRROR_MEMBERS=N for another size.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { BatchService, validateDepartmentRows, validateMemberRows } from 'nestjs-wecom-batch';
import { BENCH_DIR, Child, log, ratio, round, runMain } from './lib/common.mjs';
import { rootModule, wecomImports } from './lib/nest.mjs';
import { NestFactory } from '@nestjs/core';

const MEMBERS = Number(process.env.BENCH_MIRROR_MEMBERS ?? (process.env.BENCH_QUICK ? 20_000 : 100_000));
const CORP = { corpId: 'wwmirrorbench0001', corpSecret: 'MirrorBenchSecret-0123456789abcdef' };
const ROUNDS = 2;

runMain(async () => {
  const sim = new Child(`${BENCH_DIR}apps/mirror-simulator.mjs`, [
    JSON.stringify({ corp: CORP, members: MEMBERS, seed: 7 }),
  ]);
  const { url } = await sim.next('ready', 120_000);
  const app = await NestFactory.createApplicationContext(
    rootModule({
      imports: wecomImports({
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        apiBaseUrl: url,
        polling: { callbackGraceMs: 0, initialIntervalMs: 20, maxIntervalMs: 50, timeoutMs: 600_000 },
      }),
    }),
    { logger: ['error', 'warn'] },
  );
  try {
    const batch = app.get(BatchService);
    // The desired state: what WeCom has, changed in 1 % of the rows.
    let current = await readExport(batch);
    const desired = desiredFrom(current);
    const departmentCount = current.departments.length;
    current = undefined; // not held through the measurements
    const plaintextBytes = await exportPlaintextBytes(sim);
    log(`${MEMBERS} members, ${departmentCount} departments, export plaintext ${mb(plaintextBytes)} MB`);

    const reads = [];
    const plans = [];
    let plan;
    for (let i = 0; i < ROUNDS; i++) {
      const read = await measure(() => readExport(batch));
      delete read.result;
      reads.push(read);
      const measured = await measure(() => batch.planDirectory(desired, { maxDeletes: Infinity }));
      plan = measured.result;
      plans.push(measured);
      log(
        `round ${i + 1}: export read ${reads[i].ms} ms (CPU ${reads[i].cpuMs} ms, stall ${reads[i].stallMs} ms), plan ${measured.ms} ms (CPU ${measured.cpuMs} ms, stall ${measured.stallMs} ms, RSS +${mb(measured.rssGrowth)} MB)`,
      );
    }
    // The part of the plan that is not reading: the desired rows' validation (the same as syncUsers').
    const validation = await measure(async () => {
      await validateDepartmentRows(desired.departments);
      return validateMemberRows(desired.users);
    });
    log(
      `validation of the desired rows alone: ${validation.ms} ms (CPU ${validation.cpuMs} ms, ${validation.result.length} problems)`,
    );
    const m = plan.members;
    const found = `+${m.creates.length} ~${m.updates.length} >${m.moves.length} -${m.deletes.length} =${m.unchanged}`;
    log(`plan: ${found} (expected +150 ~400 >300 -150)`);
    const readMs = Math.min(...reads.map((r) => r.ms));
    const planMs = Math.min(...plans.map((p) => p.ms));
    const readCpuMs = Math.min(...reads.map((r) => r.cpuMs));
    const planCpuMs = Math.min(...plans.map((p) => p.cpuMs));
    const stallMs = Math.max(...plans.map((p) => p.stallMs));
    const rssGrowth = Math.max(...plans.map((p) => p.rssGrowth));
    const figures = {
      members: MEMBERS,
      plan: found,
      exportReadMs: readMs,
      validationMs: validation.ms,
      validationCpuMs: validation.cpuMs,
      planMs,
      planVsExportRead: ratio(planMs, readMs),
      exportReadCpuMs: readCpuMs,
      planCpuMs,
      planVsExportReadCpu: ratio(planCpuMs, readCpuMs),
      planStallMs: stallMs,
      exportReadStallMs: Math.max(...reads.map((r) => r.stallMs)),
      planRssGrowthMiB: round(rssGrowth / 2 ** 20, 1),
      exportPlaintextMiB: round(plaintextBytes / 2 ** 20, 1),
      rssGrowthVsPlaintext: ratio(rssGrowth, plaintextBytes),
      goals: { planVsExportRead: 1.5, planStallMs: 50, rssGrowthVsPlaintext: 3 },
    };
    return {
      figures,
      summaries: [
        { name: 'mirror', metric: 'plan_ms', value: planMs, baseline: readMs, ratio: ratio(planMs, readMs) },
        {
          name: 'mirror',
          metric: 'plan_cpu_ms',
          value: planCpuMs,
          baseline: readCpuMs,
          ratio: ratio(planCpuMs, readCpuMs),
        },
        { name: 'mirror', metric: 'plan_stall_ms', value: stallMs, baseline: 50, ratio: ratio(stallMs, 50) },
        {
          name: 'mirror',
          metric: 'plan_rss_growth_mib',
          value: figures.planRssGrowthMiB,
          baseline: figures.exportPlaintextMiB,
          ratio: figures.rssGrowthVsPlaintext,
        },
      ],
    };
  } finally {
    await app.close();
    sim.send({ type: 'stop' });
    await sim.exited;
  }
});

/** The export alone: both jobs at once (as the plan reads them), every row read. */
async function readExport(batch) {
  const [departmentJob, userJob] = await Promise.all([batch.exportDepartments(), batch.exportUsers()]);
  const departments = [];
  for await (const row of departmentJob.rows()) departments.push(row);
  const users = [];
  for await (const row of userJob.rows()) users.push(row);
  return { departments, users };
}

/** Time, longest stall and peak RSS growth of `fn`, after a GC. */
async function measure(fn) {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await fn();
  const ms = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  const cpuMs = Math.round((used.user + used.system) / 1000);
  delay.disable();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { result, ms, cpuMs, stallMs: round(delay.max / 1e6, 1), rssGrowth: peak - rssBefore };
}

/** WeCom's rows as the HR system would send them, with 1 % of the rows changed. */
function desiredFrom({ users, departments }) {
  const ids = departments.filter((d) => d.id !== 1).map((d) => d.id);
  const rows = users.map((u) => ({
    userid: u.userid,
    name: u.name,
    departments: [...u.departments],
    ...(u.mobile ? { mobile: u.mobile } : {}),
    ...(u.email ? { email: u.email } : {}),
    ...(u.position ? { position: u.position } : {}),
  }));
  const step = Math.floor(rows.length / 1000);
  const touched = (k) => rows[(k * step + 1) % rows.length];
  for (let k = 0; k < 400; k++) touched(k).position = `调整后职位${k}`;
  for (let k = 400; k < 700; k++) {
    const row = touched(k);
    row.departments = [ids.find((id) => !row.departments.includes(id))];
  }
  const leavers = new Set(Array.from({ length: 150 }, (_, k) => touched(700 + k).userid));
  const kept = rows.filter((r) => !leavers.has(r.userid));
  for (let k = 0; k < 150; k++)
    kept.push({
      userid: `joiner${k}`,
      name: `新员工${k}`,
      mobile: `1770000${String(k).padStart(4, '0')}`,
      departments: [ids[k % ids.length]],
    });
  const tree = departments
    .filter((d) => d.id !== 1)
    .map((d) => ({ id: d.id, name: d.name, parentId: d.parentId, ...(d.order ? { order: d.order } : {}) }));
  return { users: kept, departments: tree };
}

async function exportPlaintextBytes(sim) {
  sim.send({ type: 'exports' });
  const { jobs } = await sim.next('exports');
  // One export of each kind was read so far.
  return jobs
    .filter((j) => j.type === 'export_user' || j.type === 'export_department')
    .reduce((n, j) => n + j.bytes, 0);
}

function mb(bytes) {
  return round(bytes / 2 ** 20, 1);
}
