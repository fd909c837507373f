import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchJob, WeComBatchError, type BatchJobCompletedEvent, type BatchService } from 'nestjs-wecom-batch';
import type { SimulatorEndpoint, WeComSimulator } from 'nestjs-wecom-batch/testing';
import type { AdapterName } from '../e2e/helpers/app.js';
import { CORP, members, startBatchApp, startSimulator, type BatchApp } from '../e2e/helpers/batch-app.js';
import { CapturingLogger } from '../e2e/helpers/capturing-logger.js';

// Every fault the simulator can inject × every BatchService call. Each call must end — within a bound, never a
// hang — in success or a typed error (a WeComBatchError), and WeCom must never get the same import twice: at most
// one new job per call, no two jobs of one uploaded file, and at most one completed event per job.
//
// Transient faults (busy, rate limit, a refused or expired token, a 502, a lost connection on a read) must be
// absorbed; permanent ones (configuration, business errors, retries exhausted) must surface as typed errors; an
// import submission whose answer was lost must not be re-sent (WeComSubmissionUncertainError).

const REQUEST_TIMEOUT_MS = 1_000;
/** Longest any cell may take: the 302008 wait (2 s ± jitter) and a job's completion fit well inside. */
const CELL_BOUND_MS = 12_000;
const SECRETS = [CORP.corpSecret, CORP.callbackToken, CORP.encodingAESKey];

type Call = 'syncUsers' | 'replaceUsers' | 'replaceDepartments' | 'getResult' | 'invite' | 'uploadCsv';
const CALLS: Call[] = ['syncUsers', 'replaceUsers', 'replaceDepartments', 'getResult', 'invite', 'uploadCsv'];
const SUBMIT_ENDPOINT: Partial<Record<Call, SimulatorEndpoint>> = {
  syncUsers: 'batch/syncuser',
  replaceUsers: 'batch/replaceuser',
  replaceDepartments: 'batch/replaceparty',
};
/** The endpoints each call goes through (job calls upload first, then submit). */
const ENDPOINTS: Record<Call, SimulatorEndpoint[]> = {
  syncUsers: ['media/upload', 'batch/syncuser'],
  replaceUsers: ['media/upload', 'batch/replaceuser'],
  replaceDepartments: ['media/upload', 'batch/replaceparty'],
  getResult: ['batch/getresult'],
  invite: ['batch/invite'],
  uploadCsv: ['media/upload'],
};

/** What a cell must end in: success, a typed error, or either (both are within the contract). */
type Expect = 'ok' | 'error' | 'either';

interface EndpointFault {
  name: string;
  inject(sim: WeComSimulator, endpoint: SimulatorEndpoint): void;
  /** `submit`: a non-idempotent job submission; `read`: everything that may safely be sent twice. */
  expect(kind: 'submit' | 'read'): Expect;
  /** Only for these endpoint kinds. */
  only?: 'submit';
}

const ENDPOINT_FAULTS: EndpointFault[] = [
  { name: 'errcode -1 once (busy)', inject: (s, e) => s.failNext(e, { errcode: -1 }), expect: () => 'ok' },
  { name: 'errcode -1 ten times', inject: (s, e) => s.failNext(e, { errcode: -1, times: 10 }), expect: () => 'error' },
  { name: 'errcode 45009 (rate limit)', inject: (s, e) => s.failNext(e, { errcode: 45009 }), expect: () => 'ok' },
  { name: 'errcode 45033 (concurrency)', inject: (s, e) => s.failNext(e, { errcode: 45033 }), expect: () => 'ok' },
  { name: 'errcode 6000 (version conflict)', inject: (s, e) => s.failNext(e, { errcode: 6000 }), expect: () => 'ok' },
  { name: 'errcode 42001 (token expired)', inject: (s, e) => s.failNext(e, { errcode: 42001 }), expect: () => 'ok' },
  { name: 'errcode 40014 twice', inject: (s, e) => s.failNext(e, { errcode: 40014, times: 2 }), expect: () => 'error' },
  { name: 'errcode 60020 (untrusted IP)', inject: (s, e) => s.failNext(e, { errcode: 60020 }), expect: () => 'error' },
  {
    name: 'errcode 48002 (no API permission)',
    inject: (s, e) => s.failNext(e, { errcode: 48002 }),
    expect: () => 'error',
  },
  { name: 'errcode 40058 (bad parameter)', inject: (s, e) => s.failNext(e, { errcode: 40058 }), expect: () => 'error' },
  {
    name: 'errcode 302008 (another import running)',
    inject: (s, e) => s.failNext(e, { errcode: 302008 }),
    expect: () => 'ok',
    only: 'submit',
  },
  {
    name: 'HTTP 502',
    inject: (s, e) => s.failNextHttp(e, { status: 502 }),
    expect: (k) => (k === 'read' ? 'ok' : 'either'),
  },
  { name: 'HTTP 404', inject: (s, e) => s.failNextHttp(e, { status: 404 }), expect: () => 'either' },
  {
    name: 'connection reset before processing',
    inject: (s, e) => s.resetNext(e),
    expect: (k) => (k === 'read' ? 'ok' : 'error'),
  },
  {
    name: 'connection reset after processing',
    inject: (s, e) => s.resetNext(e, { afterProcessing: true }),
    expect: (k) => (k === 'read' ? 'ok' : 'error'),
  },
  { name: 'answer delayed 200 ms', inject: (s, e) => s.delayNext(e, 200), expect: () => 'ok' },
  {
    name: 'answer delayed past the request timeout',
    inject: (s, e) => s.delayNext(e, REQUEST_TIMEOUT_MS + 500),
    expect: (k) => (k === 'read' ? 'ok' : 'error'),
  },
];

interface GlobalFault {
  name: string;
  inject(sim: WeComSimulator): void;
  expect: Expect;
  /** Only meaningful for calls that submit a job. */
  jobsOnly?: boolean;
}

const GLOBAL_FAULTS: GlobalFault[] = [
  { name: 'every token expired', inject: (s) => s.expireTokens(), expect: 'ok' },
  { name: 'every token revoked', inject: (s) => s.revokeTokens(), expect: 'ok' },
  {
    name: 'token expired, gettoken busy once',
    inject: (s) => {
      s.expireTokens();
      s.failNext('gettoken', { errcode: -1 });
    },
    expect: 'ok',
  },
  {
    name: 'token expired, gettoken 502 then reset',
    inject: (s) => {
      s.expireTokens();
      s.failNextHttp('gettoken', { status: 502 });
      s.resetNext('gettoken');
    },
    expect: 'ok',
  },
  {
    name: 'token expired, gettoken says the secret is wrong (40001)',
    inject: (s) => {
      s.expireTokens();
      s.failNext('gettoken', { errcode: 40001, times: 5 });
    },
    expect: 'error',
  },
  { name: 'callback dropped', inject: (s) => s.dropNextCallback(), expect: 'ok', jobsOnly: true },
  { name: 'callback delivered 3 extra times', inject: (s) => s.duplicateNextCallback(3), expect: 'ok', jobsOnly: true },
  { name: 'job fails with 302005', inject: (s) => s.failNextJob(302005), expect: 'ok', jobsOnly: true },
];

interface Cell {
  fault: string;
  call: Call;
  endpoint?: SimulatorEndpoint;
  inject(sim: WeComSimulator): void;
  expect: Expect;
}

function cells(): Cell[] {
  const list: Cell[] = [];
  for (const call of CALLS) {
    for (const endpoint of ENDPOINTS[call]) {
      const kind = endpoint === SUBMIT_ENDPOINT[call] ? 'submit' : 'read';
      for (const fault of ENDPOINT_FAULTS) {
        if (fault.only === 'submit' && kind !== 'submit') continue;
        list.push({
          fault: fault.name,
          call,
          endpoint,
          inject: (s) => fault.inject(s, endpoint),
          expect: fault.expect(kind),
        });
      }
    }
    for (const fault of GLOBAL_FAULTS) {
      if (fault.jobsOnly && !SUBMIT_ENDPOINT[call]) continue;
      list.push({ fault: fault.name, call, inject: fault.inject, expect: fault.expect });
    }
  }
  return list;
}

/** The call, as an app makes it; job calls also wait for their job to complete. */
async function run(
  batch: BatchService,
  call: Call,
  latestJobId: string,
): Promise<{ job?: BatchJob; completed?: BatchJobCompletedEvent }> {
  const keep = { userid: 'boss', name: '老板', mobile: '13800000000', departments: [1] };
  const departments = [
    { id: 1, name: '测试企业', parentId: 0 },
    { id: 2, name: '研发部', parentId: 1 },
    { id: 3, name: '市场部', parentId: 1 },
  ];
  let job: BatchJob;
  switch (call) {
    case 'syncUsers':
      job = await batch.syncUsers({ users: members(3, 'matrix') }, { toInvite: false });
      break;
    case 'replaceUsers':
      job = await batch.replaceUsers({ users: [keep, ...members(3, 'matrix')] }, { toInvite: false });
      break;
    case 'replaceDepartments':
      job = await batch.replaceDepartments({ departments });
      break;
    case 'getResult':
      await batch.getResult(latestJobId);
      return {};
    case 'invite':
      await batch.invite({ users: ['boss'] });
      return {};
    case 'uploadCsv':
      await batch.uploadCsv('姓名,帐号,手机号,所在部门\n老板,boss,13800000000,1\n', 'matrix.csv');
      return {};
  }
  return { job, completed: await job.wait({ timeoutMs: CELL_BOUND_MS }) };
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), ms)));
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

// The full matrix on Express; on Fastify the faults that change how the callback arrives (the only part of a
// BatchService call the HTTP adapter takes part in).
const CALLBACK_FAULTS = new Set(GLOBAL_FAULTS.filter((f) => f.jobsOnly).map((f) => f.name));

describe.each<[AdapterName, (cell: Cell) => boolean]>([
  ['express', () => true],
  ['fastify', (cell) => CALLBACK_FAULTS.has(cell.fault)],
])('fault matrix against the simulator (%s)', (adapter, selected) => {
  const logger = new CapturingLogger();
  let sim: WeComSimulator;
  let app: BatchApp | undefined;
  const errors: unknown[] = [];

  beforeAll(async () => {
    sim = await startSimulator();
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  const all = cells().filter(selected);

  it('covers every selected fault × every BatchService call it applies to', () => {
    const calls = new Set(all.map((c) => c.call));
    if (adapter === 'express') {
      expect([...calls].sort()).toEqual([...CALLS].sort());
      expect(all.length).toBeGreaterThan(130);
    } else {
      expect([...calls].sort()).toEqual(Object.keys(SUBMIT_ENDPOINT).sort());
    }
  });

  // One app per fault, shared by that fault's calls: a token fault must meet a warm cache, and a configuration
  // failure (held for 30 s so a bad secret is not hammered) must not spill into the next fault.
  const faults = [...new Set(all.map((c) => c.fault))];
  it.each(faults)(
    '%s',
    async (fault) => {
      await app?.close();
      app = await startBatchApp(sim, adapter, logger, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
      const { batch, events } = app;
      // Warm the token cache and leave a finished job to ask about.
      await (await batch.syncUsers({ users: members(3, 'matrix') }, { toInvite: false })).wait({ timeoutMs: 10_000 });
      await sim.settled();

      const problems: string[] = [];
      for (const cell of all.filter((c) => c.fault === fault)) {
        const label = `${cell.call}${cell.endpoint ? ` (fault on ${cell.endpoint})` : ''}`;
        const jobsBefore = sim.jobs(CORP.corpId).length;
        const latestJobId = sim.jobs(CORP.corpId).at(-1)?.jobId as string;
        sim.clearFaults();
        cell.inject(sim);
        let result: Awaited<ReturnType<typeof run>> = {};
        const settled = await bounded(
          run(batch, cell.call, latestJobId).then(
            (r) => {
              result = r;
              return 'ok' as const;
            },
            (error: unknown) => {
              errors.push(error);
              if (!(error instanceof WeComBatchError)) problems.push(`${label}: untyped error ${String(error)}`);
              return 'error' as const;
            },
          ),
          CELL_BOUND_MS,
        );
        if (settled === 'hang') {
          problems.push(`${label}: no outcome within ${CELL_BOUND_MS} ms`);
          continue;
        }
        const outcome = settled;
        if (cell.expect !== 'either' && outcome !== cell.expect)
          problems.push(`${label}: ${outcome}, expected ${cell.expect}`);

        sim.clearFaults();
        await sim.settled();
        const created = sim.jobs(CORP.corpId).slice(jobsBefore);
        if (created.length > 1) problems.push(`${label}: ${created.length} jobs created by one call`);
        if (result.job) {
          if (created.length !== 1 || created[0].jobId !== result.job.jobId)
            problems.push(`${label}: the job is not in WeCom`);
          if (result.completed?.jobId !== result.job.jobId) problems.push(`${label}: waited for the wrong job`);
        }
        if (!SUBMIT_ENDPOINT[cell.call] && created.length > 0) problems.push(`${label}: created a job`);
        // Jobs created but not handed back (a lost answer): WeCom's callback still completes them, once.
        for (const job of created) {
          const deadline = Date.now() + 3_000;
          while (!events.completed.some((e) => e.jobId === job.jobId) && Date.now() < deadline) await sleep(20);
          const count = events.completed.filter((e) => e.jobId === job.jobId).length;
          if (count !== 1) problems.push(`${label}: job ${job.jobId} completed ${count} times`);
        }
      }
      expect(problems).toEqual([]);
      // Each cell has its own bound; this one only catches a runaway test.
    },
    180_000,
  );

  it('never two jobs from one uploaded file, no secret in any error or log line', () => {
    const jobs = sim.jobs(CORP.corpId);
    expect(new Set(jobs.map((j) => j.mediaId)).size).toBe(jobs.length);
    const leaked = errors.filter((e) => SECRETS.some((s) => `${String(e)} ${JSON.stringify(e)}`.includes(s)));
    expect(leaked).toEqual([]);
    expect(logger.leaking(SECRETS)).toEqual([]);
  });
});
