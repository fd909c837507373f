import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module, type INestApplication } from '@nestjs/common';
import { BatchService, WeComBatchModule, WeComConfigError, type WeComBatchModuleOptions } from 'nestjs-wecom-batch';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS } from './helpers/app.js';
import {
  CORP_A,
  CORP_B,
  bootOn,
  corpOptions,
  freePort,
  someMembers,
  startCorpsSimulator,
  until,
} from './helpers/corps-fixtures.js';
import { EventRecorder } from './helpers/event-recorder.js';

describe.each(ADAPTERS)('bootstrap guards of several registrations on %s', (adapter) => {
  let sim: WeComSimulator;
  let port: number;
  let base: string;
  const opened: INestApplication[] = [];

  beforeAll(async () => {
    sim = await startCorpsSimulator([CORP_A, CORP_B]);
  });
  afterAll(async () => {
    for (const app of opened) await app.close().catch(() => undefined);
    await sim?.close();
  });

  async function boot(
    imports: Parameters<typeof bootOn>[2],
    setup?: (app: INestApplication) => void,
  ): Promise<INestApplication> {
    port = await freePort();
    const app = await bootOn(adapter, port, imports, false, (a) => {
      opened.push(a);
      setup?.(a);
    });
    return app;
  }

  /** The boot error of `imports`: a WeComConfigError, whose message is returned. */
  async function bootError(imports: Parameters<typeof bootOn>[2], setup?: (app: INestApplication) => void) {
    const error = await boot(imports, setup).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WeComConfigError);
    return (error as Error).message;
  }

  const options = (c = CORP_A, path = '/wecom/batch/callback', extra: Partial<WeComBatchModuleOptions> = {}) => {
    // These apps never get a callback: any port will do in the URL.
    base = 'http://127.0.0.1:8080';
    return corpOptions(sim, c, `${base}${path}`, extra);
  };

  it('the same corp registered twice (two feature modules) is refused, naming both and the fix', async () => {
    @Module({ imports: [WeComBatchModule.forRoot({ ...options(CORP_A), callbackPath: 'hooks/one' })] })
    class FeatureOne {}
    @Module({
      imports: [
        WeComBatchModule.forRoot({ name: 'again', ...options(CORP_A, '/hooks/two'), callbackPath: 'hooks/two' }),
      ],
    })
    class FeatureTwo {}
    const message = await bootError([FeatureOne, FeatureTwo]);
    expect(message).toContain(`corp ${CORP_A.corpId} is registered twice`);
    expect(message).toContain("the unnamed registration and registration 'again'");
    expect(message).toMatch(/Register it once/);
  });

  it("the README's test snippet beside AppModule (same corp again) no longer boots to complete jobs twice", async () => {
    @Module({
      imports: [
        WeComBatchModule.forRoot({ ...options(CORP_A), callbackPath: 'hooks/app', callbackUrlRewritten: true }),
      ],
    })
    class AppModule {}
    const message = await bootError([
      AppModule,
      WeComBatchModule.forRoot({ ...options(CORP_A), callbackPath: 'hooks/test', callbackUrlRewritten: true }),
    ]);
    expect(message).toContain('is registered twice');
  });

  it('one registration imported by two feature modules is one registration: boots, one completed per job', async () => {
    port = await freePort();
    const shared = WeComBatchModule.forRoot({
      ...corpOptions(sim, CORP_A, `http://127.0.0.1:${port}/wecom/batch/callback`),
    });
    @Module({ imports: [shared], exports: [shared] })
    class FeatureOne {}
    @Module({ imports: [shared] })
    class FeatureTwo {}
    const app = await bootOn(adapter, port, [FeatureOne, FeatureTwo], false, (a) => opened.push(a));
    const batch = app.get(BatchService);
    const jobs = await Promise.all([batch.syncUsers({ users: someMembers('one') })]);
    jobs.push(await batch.syncUsers({ users: someMembers('two') }));
    await Promise.all(jobs.map((job) => job.wait()));
    const events = app.get(EventRecorder);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await until(() => events.completed.length >= 2);
    expect(events.completed.map((e) => e.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    await app.close();
  });

  it('two unnamed isGlobal registrations are refused', async () => {
    const message = await bootError([
      WeComBatchModule.forRoot({
        ...options(CORP_A),
        isGlobal: true,
        callbackPath: 'hooks/a',
        callbackUrlRewritten: true,
      }),
      WeComBatchModule.forRoot({
        ...options(CORP_B),
        isGlobal: true,
        callbackPath: 'hooks/b',
        callbackUrlRewritten: true,
      }),
    ]);
    expect(message).toContain('two unnamed registrations are isGlobal');
    expect(message).toContain('Give one a name');
  });

  it('two registrations on one route path are refused (without routing by CorpID)', async () => {
    const message = await bootError([
      WeComBatchModule.forRoot({ name: 'a', ...options(CORP_A, '/hooks/wecom'), callbackPath: 'hooks/wecom' }),
      WeComBatchModule.forRoot({ name: 'b', ...options(CORP_B, '/hooks/wecom'), callbackPath: '/hooks/wecom/' }),
    ]);
    expect(message).toContain("registration 'a'");
    expect(message).toContain('both mount the callback route /hooks/wecom');
    expect(message).toContain('resolveCorp');
  });

  it('a route that is not the path of callback.url (global prefix) is refused; callbackUrlRewritten allows it', async () => {
    const message = await bootError([WeComBatchModule.forRoot(options(CORP_A, '/wecom/batch/callback'))], (app) =>
      app.setGlobalPrefix('api'),
    );
    expect(message).toContain('mounts its callback route on /api/wecom/batch/callback');
    expect(message).toContain('callback.url points to /wecom/batch/callback');
    expect(message).toContain('callbackUrlRewritten: true');

    const app = await boot(
      [WeComBatchModule.forRoot({ ...options(CORP_A, '/wecom/batch/callback'), callbackUrlRewritten: true })],
      (a) => a.setGlobalPrefix('api'),
    );
    await app.close();
    // And with the prefix in the URL, no setting is needed.
    const right = await boot([WeComBatchModule.forRoot(options(CORP_A, '/api/wecom/batch/callback'))], (a) =>
      a.setGlobalPrefix('api'),
    );
    await right.close();
  });

  it('a named registration mounts wecom/batch/callback/<name> by default', async () => {
    const message = await bootError([
      WeComBatchModule.forRoot({ name: 'east', ...options(CORP_A, '/wecom/batch/callback') }),
    ]);
    expect(message).toContain('on /wecom/batch/callback/east');
  });

  it('an invalid name is refused when forRoot is called', () => {
    expect(() => WeComBatchModule.forRoot({ name: 'no spaces', ...options(CORP_A) })).toThrow(WeComConfigError);
    expect(() => WeComBatchModule.forRoot({ name: 'no spaces', ...options(CORP_A) })).toThrow(/letters, digits/);
  });
});
