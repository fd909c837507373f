import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { WeComApiError } from '../errors/wecom-api.error.js';
import { Redactor } from '../internal/redactor.util.js';
import { WeComSimulator } from '../testing/index.js';
import { WeComBatchModule } from '../wecom-batch.module.js';
import { AccessTokenManager } from './access-token.manager.js';
import { CORP_ID, CORP_SECRET } from './client.spec-helper.js';
import { WECOM_CLIENT_REDACTOR } from './client.tokens.js';
import { RetryPolicy } from './retry-policy.service.js';
import { WeComClient } from './wecom-client.service.js';

// The client's collaborators are providers of WeComBatchModule: a testing module can replace each of them.

const CSV = Buffer.from('姓名,帐号,手机号,所在部门\n张三,zhangsan,13800000001,1\n', 'utf8');
const RETRY = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5, rateLimitDelayMs: 5 };

describe('CLIENT_PROVIDERS: overrideProvider on the client collaborators', () => {
  let sim: WeComSimulator;

  beforeEach(async () => {
    sim = await WeComSimulator.start({ corps: [{ corpId: CORP_ID, corpSecret: CORP_SECRET }] });
  });
  afterEach(async () => {
    await sim.close();
  });

  function builder(): TestingModuleBuilder {
    return Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({
          corpId: CORP_ID,
          corpSecret: CORP_SECRET,
          apiBaseUrl: sim.baseUrl,
          retry: RETRY,
          resumePendingJobs: false,
        }),
      ],
    });
  }

  async function withClient<T>(build: TestingModuleBuilder, run: (client: WeComClient) => Promise<T>): Promise<T> {
    const moduleRef = await build.compile();
    try {
      return await run(moduleRef.get(WeComClient, { strict: false }));
    } finally {
      await moduleRef.close();
    }
  }

  it('RetryPolicy: the module default retries a -1; a policy that never retries makes one request', async () => {
    sim.failNext('media/upload', { errcode: -1 });
    await withClient(builder(), (client) => client.uploadMedia(CSV, 'a.csv'));
    expect(sim.requests('media/upload')).toHaveLength(2);

    sim.failNext('media/upload', { errcode: -1 });
    const never = builder()
      .overrideProvider(RetryPolicy)
      .useValue(new RetryPolicy({ ...RETRY, maxRetries: 0 }));
    const error = await withClient(never, (client) => client.uploadMedia(CSV, 'a.csv')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(WeComApiError);
    expect(error).toMatchObject({ errcode: -1, retryable: true, attempts: 1 });
    expect(sim.requests('media/upload')).toHaveLength(3);
  });

  it('AccessTokenManager: a replacement hands out the token, and the client never calls gettoken itself', async () => {
    const answer = await fetch(`${sim.baseUrl}/cgi-bin/gettoken?corpid=${CORP_ID}&corpsecret=${CORP_SECRET}`);
    const { access_token: token } = (await answer.json()) as { access_token: string };
    const getToken = jest.fn(async () => token);
    const fixed = { getToken, reject: async () => undefined };

    const media = await withClient(builder().overrideProvider(AccessTokenManager).useValue(fixed), (client) =>
      client.uploadMedia(CSV, 'a.csv'),
    );

    expect(media.mediaId).toEqual(expect.any(String));
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(sim.tokenFetches(CORP_ID)).toBe(1); // the spec's own gettoken above, none from the module
  });

  it('WECOM_CLIENT_REDACTOR: the replacement scrubs the errors of WeCom calls', async () => {
    sim.failNext('media/upload', { errcode: 40058, errmsg: 'rejected for PROJECT-CODENAME-Orca' });
    const redactor = new Redactor([CORP_SECRET, 'PROJECT-CODENAME-Orca']);
    const build = builder().overrideProvider(WECOM_CLIENT_REDACTOR).useValue(redactor);

    const error = (await withClient(build, (client) => client.uploadMedia(CSV, 'a.csv')).catch((e: unknown) => e)) as
      WeComApiError | undefined;

    expect(error).toBeInstanceOf(WeComApiError);
    expect(error?.errcode).toBe(40058);
    expect(error?.errmsg).toContain('rejected for [redacted]');
    expect(error?.message).not.toContain('Orca');
  });
});
