// test/wecom.e2e-spec.ts — the same file runs under vitest (Nest 12 scaffold) and jest (Nest 11 scaffold)
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BatchService } from 'nestjs-wecom-batch';
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { AppModule } from '../src/app.module.js';
import { DirectorySyncService } from '../src/directory-sync.service.js';

/** What the app reads from ConfigService during the test (the real values in .env are never used). */
const TEST_ENV = {
  WECOM_CORP_ID: 'wwtest',
  WECOM_CORP_SECRET: 'test-secret',
  WECOM_API_BASE_URL: '', // set to the simulator's URL once it listens
  WECOM_CALLBACK_URL: '', // no callback: jobs are followed by (fast) polling
  WECOM_FAST_POLLING: '1',
};

describe('directory sync against the WeCom simulator', () => {
  let sim: WeComSimulator;
  let app: INestApplication;
  let before: NodeJS.ProcessEnv;

  beforeAll(async () => {
    before = { ...process.env };
    sim = await WeComSimulator.start({
      corps: [{ corpId: 'wwtest', corpSecret: 'test-secret' }],
      jobDelayMs: 50, // how long a simulated job runs
    });
    Object.assign(process.env, TEST_ENV, { WECOM_API_BASE_URL: sim.baseUrl });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await sim?.close();
    for (const key of Object.keys(TEST_ENV)) {
      if (before[key] === undefined) delete process.env[key];
      else process.env[key] = before[key];
    }
  });

  it('mirrors the departments, then imports the members', async () => {
    const result = await app
      .get(DirectorySyncService)
      .sync(
        [{ id: 2, name: '研发部', parentId: 1 }],
        [{ userid: 'zhangsan', name: '张三', mobile: '13800000000', departments: [2], position: '工程师' }],
      );
    expect(result).toMatchObject({ rows: 1, failed: 0 });
    const directory = sim.directory();
    expect(directory.departments.map((d) => d.name)).toContain('研发部');
    expect(directory.users.map((u) => u.userid)).toEqual(['zhangsan']);
  });

  it('reports a row WeCom refuses, without failing the job', async () => {
    const job = await app.get(BatchService).syncUsers({
      users: [{ userid: 'lisi', name: '李四', mobile: '13800000000', departments: [2] }], // zhangsan's mobile
    });
    const done = await job.wait();
    expect(done).toMatchObject({ jobType: 'sync_user', errCode: 0, failedRows: 1 });
    if (done.jobType === 'sync_user') expect(done.result?.[0]).toMatchObject({ userid: 'lisi', errcode: 60104 });
  });
});
