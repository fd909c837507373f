import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchJobProgress, BatchPartyResultRow, BatchUserResultRow } from 'nestjs-wecom-batch';
import { AppModule } from '../../sample/app.module.js';
import { runSample, type SampleIo } from '../../sample/cli/run-sample.js';
import { startSampleSimulator, type SampleSimulator } from '../../sample/cli/sample-simulator.js';
import { loadDirectoryFile, type DirectoryData } from '../../sample/directory-data.js';
import { DirectorySyncService } from '../../sample/directory-sync.service.js';
import { ADAPTERS } from './helpers/app.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { freePort } from './helpers/free-port.js';

// The sample app (sample/) is what a newcomer runs first, so it is tested like the library: its AppModule booted
// against the simulator on both adapters, and its command line (`npm run sample`) run in-process.

const ENV_NAMES = [
  'WECOM_CORP_ID',
  'WECOM_CORP_SECRET',
  'WECOM_API_BASE_URL',
  'WECOM_CALLBACK_URL',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_CALLBACK_AES_KEY',
  'WECOM_POLL_INTERVAL_MS',
  'PORT',
  'HOST',
  'DIRECTORY_FILE',
];
const JOB_DELAY_MS = 150;

/** Collects what the command line writes. */
class Collected {
  text = '';
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function io(): SampleIo & { out: Collected; err: Collected; logger: CapturingLogger } {
  return { out: new Collected(), err: new Collected(), logger: new CapturingLogger() };
}

let savedEnv: Record<string, string | undefined>;
let directory: DirectoryData;
let sim: SampleSimulator | undefined;
let app: INestApplication | undefined;

beforeEach(async () => {
  savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  for (const name of ENV_NAMES) delete process.env[name];
  directory ??= await loadDirectoryFile();
});

afterEach(async () => {
  await app?.close();
  await sim?.simulator.close();
  app = undefined;
  sim = undefined;
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Points the environment (what ConfigModule reads) at a simulator standing in for a real corp. */
function useCorpEnv(s: SampleSimulator, port: number, callback: boolean): void {
  process.env.WECOM_CORP_ID = s.corpId;
  process.env.WECOM_CORP_SECRET = s.corpSecret;
  process.env.WECOM_API_BASE_URL = s.simulator.baseUrl;
  process.env.PORT = String(port);
  process.env.HOST = '127.0.0.1';
  process.env.WECOM_POLL_INTERVAL_MS = '100';
  if (callback) {
    process.env.WECOM_CALLBACK_URL = `http://127.0.0.1:${port}/wecom/batch/callback`;
    process.env.WECOM_CALLBACK_TOKEN = s.callbackToken;
    process.env.WECOM_CALLBACK_AES_KEY = s.encodingAESKey;
  }
}

describe('the bundled directory', () => {
  it('is a few hundred valid rows with Chinese names: a tree of departments and members placed in it', () => {
    expect(directory.departments.length).toBeGreaterThanOrEqual(20);
    expect(directory.members.length).toBeGreaterThanOrEqual(300);
    const ids = new Set(directory.departments.map((d) => d.id));
    for (const d of directory.departments) expect(d.parentId === 0 || ids.has(d.parentId)).toBe(true);
    for (const m of directory.members) {
      expect(m.name).toMatch(/^[\u4e00-\u9fff·]{2,8}$/);
      for (const id of m.departments) expect(ids.has(id)).toBe(true);
    }
  });
});

describe.each(ADAPTERS)('the sample AppModule on %s', (adapter) => {
  it('mirrors the directory into the simulated corp: departments, then members; events and callbacks', async () => {
    sim = await startSampleSimulator(directory, { jobDelayMs: JOB_DELAY_MS });
    const port = await freePort();
    useCorpEnv(sim, port, true);
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app =
      adapter === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter(), { logger })
        : moduleRef.createNestApplication({ logger });
    await app.listen(port, '127.0.0.1');

    const progress: BatchJobProgress[] = [];
    const result = await app
      .get(DirectorySyncService)
      .syncAll({ timeoutMs: 20_000, onProgress: (_job, p) => progress.push(p) });

    // Departments: every row ok, WeCom's action bits decoded (the simulated corp starts with an older tree).
    expect(result.departments.job.jobType).toBe('replace_party');
    expect(result.departments.completed).toMatchObject({ errCode: 0, source: 'callback', failedRows: 0 });
    const parties = result.departments.completed.result as BatchPartyResultRow[];
    expect(parties).toHaveLength(directory.departments.length);
    expect(parties.find((r) => r.partyid === 3)?.actions).toMatchObject({ created: false, renamed: true });
    expect(parties.find((r) => r.partyid === 73)?.actions).toMatchObject({ moved: true });
    expect(parties.filter((r) => r.actions.created)).toHaveLength(directory.departments.length - 5);

    // Members: one row refused (its mobile belongs to an old account), every other one applied.
    const members = result.members;
    expect(members?.job).toMatchObject({ jobType: 'sync_user', rows: directory.members.length });
    expect(members?.completed).toMatchObject({ errCode: 0, source: 'callback', failedRows: 1 });
    const failed = (members?.completed.result as BatchUserResultRow[]).filter((r) => r.errcode !== 0);
    expect(failed).toEqual([{ userid: sim.staleAccount.clashesWith, errcode: 60104, errmsg: expect.any(String) }]);

    // The WeCom side: the tree is the file's (the empty old department deleted, the one with a member kept) ...
    const now = sim.simulator.directory();
    const tree = new Map(now.departments.map((d) => [d.id, d]));
    for (const d of directory.departments) expect(tree.get(d.id)).toMatchObject({ name: d.name, parentId: d.parentId });
    expect(tree.has(99)).toBe(false);
    expect(tree.get(98)?.name).toBe('离职人员');
    // ... and the members are there, in their departments, with their positions; no invitation was sent.
    const users = new Map(now.users.map((u) => [u.userid, u]));
    for (const m of directory.members) {
      if (m.userid === sim.staleAccount.clashesWith) continue;
      expect(users.get(m.userid)).toMatchObject({ name: m.name, departments: m.departments, position: m.position });
    }
    expect(users.has(sim.staleAccount.clashesWith)).toBe(false);
    expect(sim.simulator.jobs().map((j) => [j.type, j.toInvite])).toEqual([
      ['replace_party', undefined],
      ['sync_user', false],
    ]);

    // Each job's callback was answered 200 on the first attempt; progress ended with the completion.
    for (const job of [result.departments.job, members!.job]) {
      expect(sim.simulator.deliveries(job.jobId).map((d) => [d.attempt, d.status])).toEqual([[1, 200]]);
    }
    expect(progress.filter((p) => p.completed).map((p) => p.completed?.jobType)).toEqual([
      'replace_party',
      'sync_user',
    ]);

    // The sample's @OnEvent listener logged both completions with row counts, and the failed row.
    const texts = logger.lines.map((l) => l.text);
    expect(texts.some((t) => /replace_party job .+ completed via callback: 28 rows, 28 ok, 0 failed/.test(t))).toBe(
      true,
    );
    expect(texts.some((t) => /sync_user job .+ completed via callback: 330 rows, 329 ok, 1 failed/.test(t))).toBe(true);
    expect(
      logger.lines.some((l) => l.level === 'warn' && l.text.includes(`${sim!.staleAccount.clashesWith}: 60104`)),
    ).toBe(true);
    expect(logger.leaking([sim.corpSecret, sim.callbackToken, sim.encodingAESKey])).toEqual([]);
  });
});

describe('npm run sample', () => {
  it.each(ADAPTERS)('with no environment: runs against the embedded simulator on %s and exits 0', async (adapter) => {
    const streams = io();
    const code = await runSample(adapter === 'fastify' ? ['--fastify'] : [], streams, { jobDelayMs: JOB_DELAY_MS });
    expect([code, streams.err.text]).toEqual([0, '']);
    const out = streams.out.text;
    expect(out).toContain(`on ${adapter === 'fastify' ? 'Fastify' : 'Express'}`);
    expect(out).toMatch(/1\. replace_party \(全量覆盖部门\) — completed, ErrCode 0 \(ok\)/);
    expect(out).toMatch(/rows +28 sent · 28 ok · 0 failed/);
    expect(out).toMatch(/2\. sync_user \(增量更新成员\) — completed, ErrCode 0 \(ok\)/);
    expect(out).toMatch(/rows +330 sent · 329 ok · 1 failed/);
    expect(out).toMatch(/callback +POST \/wecom\/batch\/callback\?msg_signature=.+ → 200 in \d+ ms \(attempt 1\)/);
    expect(out).toMatch(/encrypted batch_job_result: .*JobType sync_user · ErrCode 0/);
    expect(out).toMatch(/Done in \d+\.\d s/);
    // Everything it set for the app is taken back.
    for (const name of ENV_NAMES) expect([name, process.env[name]]).toEqual([name, undefined]);
  });

  it('--dry-run validates and writes the two CSV files, and makes no WeCom call', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wecom-sample-'));
    try {
      const streams = io();
      const code = await runSample(['--dry-run'], streams, { dryRunDir: dir });
      expect([code, streams.err.text]).toEqual([0, '']);
      expect(streams.out.text).toContain('Nothing was uploaded and no job was submitted (WeCom calls made: 0).');
      const departments = (await readFile(join(dir, 'departments.csv'), 'utf8')).split('\n');
      const members = (await readFile(join(dir, 'members.csv'), 'utf8')).split('\n');
      expect(departments[0]).toBe('部门名称,部门ID,父部门ID,排序');
      expect(departments).toHaveLength(directory.departments.length + 2); // header, rows, final LF
      expect(members[0]).toMatch(/^姓名,帐号,手机号,邮箱,所在部门,职位,性别,是否部门内领导,.*,工号$/);
      expect(members).toHaveLength(directory.members.length + 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with a real corp configured: refuses to write without --confirm-corp, and starts nothing', async () => {
    process.env.WECOM_CORP_ID = 'wwsomecorp';
    process.env.WECOM_CORP_SECRET = 'secret';
    const streams = io();
    expect(await runSample([], streams)).toBe(2);
    expect(streams.err.text).toContain('refusing to write into corp wwsomecorp without confirmation');
    expect(streams.err.text).toContain('--confirm-corp wwsomecorp');
    expect(streams.out.text).toBe('');
  });

  it('with a partial environment: exits 2 naming what is missing', async () => {
    process.env.WECOM_CORP_ID = 'wwsomecorp';
    process.env.WECOM_CALLBACK_URL = 'https://hr.example.com/wecom/batch/callback';
    const streams = io();
    expect(await runSample([], streams)).toBe(2);
    expect(streams.err.text).toContain('WECOM_CORP_SECRET, WECOM_CALLBACK_TOKEN, WECOM_CALLBACK_AES_KEY are missing');
  });

  it('with invalid options: exits 2 with the module’s message naming the field, never the value', async () => {
    process.env.WECOM_CORP_ID = 'wwsomecorp';
    process.env.WECOM_CORP_SECRET = 'secret';
    process.env.WECOM_CALLBACK_URL = 'https://hr.example.com/wecom/batch/callback';
    process.env.WECOM_CALLBACK_TOKEN = 'token';
    process.env.WECOM_CALLBACK_AES_KEY = 'too-short-key';
    const streams = io();
    expect(await runSample(['--dry-run'], streams)).toBe(2);
    expect(streams.err.text).toContain('callback.encodingAESKey: must be exactly 43 characters');
    expect(streams.err.text).not.toContain('too-short-key');
  });

  it('an unknown argument: exits 2 with the usage', async () => {
    const streams = io();
    expect(await runSample(['--fastfy'], streams)).toBe(2);
    expect(streams.err.text).toContain('unknown argument: --fastfy');
    expect(streams.err.text).toContain('Usage: npm run sample');
  });

  describe('against a corp given by WECOM_* (a simulator standing in for WeCom)', () => {
    it('--confirm-corp: syncs by polling when no callback is configured', async () => {
      sim = await startSampleSimulator(directory, { jobDelayMs: JOB_DELAY_MS });
      useCorpEnv(sim, await freePort(), false);
      const streams = io();
      const code = await runSample(['--confirm-corp', sim.corpId], streams, { jobTimeoutMs: 20_000 });
      expect([code, streams.err.text]).toEqual([0, '']);
      expect(streams.out.text).toContain(
        'callback  none configured: job completion is learnt by polling batch/getresult',
      );
      expect(streams.out.text).toMatch(/rows +330 sent · 329 ok · 1 failed/);
      expect(streams.out.text.match(/callback +none configured; the completion was learnt by polling/g)).toHaveLength(
        2,
      );
      expect(sim.simulator.deliveries()).toEqual([]);
    });

    it('a department job that fails: exits 1 and does not import the members', async () => {
      sim = await startSampleSimulator(directory, { jobDelayMs: JOB_DELAY_MS });
      useCorpEnv(sim, await freePort(), true);
      sim.simulator.failNextJob(302005);
      const streams = io();
      const code = await runSample([`--confirm-corp=${sim.corpId}`, '--fastify'], streams, { jobTimeoutMs: 20_000 });
      expect(code).toBe(1);
      expect(streams.out.text).toMatch(/1\. replace_party \(全量覆盖部门\) — FAILED, ErrCode 302005/);
      expect(streams.err.text).toContain('the department job failed, so the members were not imported');
      expect(sim.simulator.jobs().map((j) => j.type)).toEqual(['replace_party']);
      expect(streams.logger.lines.some((l) => l.level === 'error' && l.text.includes('ErrCode 302005'))).toBe(true);
      const secrets = [sim.corpSecret, sim.callbackToken, sim.encodingAESKey];
      expect(streams.logger.leaking(secrets)).toEqual([]);
      for (const secret of secrets) expect(streams.out.text + streams.err.text).not.toContain(secret);
    });
  });
});
