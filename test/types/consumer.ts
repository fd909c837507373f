// Type test (npm run typecheck:types): compiled as a user's app compiles it — against the built declarations,
// `strict`, `exactOptionalPropertyTypes`, `skipLibCheck: false`, decorators with metadata, isolatedModules — in a
// node_modules WITHOUT ioredis. Every line compiles, except those under `@ts-expect-error`, which must fail
// (tsc reports an unused `@ts-expect-error` as an error, so a typing that got looser fails this test too).
import { Injectable, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { OnEvent } from '@nestjs/event-emitter';
import {
  BatchJobCompletedEvent,
  BatchService,
  RedisStore,
  WECOM_BATCH_EVENTS,
  WeComBatchModule,
  WeComCallbackService,
  type BatchPartyResultRow,
  type BatchUserResultRow,
  type WeComBatchModuleOptions,
} from 'nestjs-wecom-batch';
import { WeComSimulator } from 'nestjs-wecom-batch/testing';

// ---- BatchJobCompletedEvent narrows `result` by `jobType` ----

@Injectable()
export class Listener {
  @OnEvent(WECOM_BATCH_EVENTS.JOB_COMPLETED)
  onCompleted(event: BatchJobCompletedEvent): void {
    if (event.jobType === 'sync_user' || event.jobType === 'replace_user') {
      const userids: string[] | undefined = event.result?.map((row) => row.userid);
      void userids;
      // @ts-expect-error a member import's rows have no partyid
      void event.result?.[0]?.partyid;
    } else if (event.jobType === 'replace_party') {
      const created: BatchPartyResultRow[] | undefined = event.result?.filter((row) => row.actions.created);
      void created;
      // @ts-expect-error a department import's rows have no userid
      void event.result?.[0]?.userid;
    } else {
      // The rest are exports: they never carry rows.
      const none: undefined = event.result;
      void none;
      const exportType: 'export_user' | 'export_simple_user' | 'export_department' | 'export_taguser' = event.jobType;
      void exportType;
    }
    // Without narrowing, only what every row has.
    const codes: number[] = (event.result ?? []).map((row) => row.errcode);
    void codes;
    // @ts-expect-error without narrowing, `userid` is not known to be there
    void event.result?.map((row) => row.userid);
  }

  @OnEvent(WECOM_BATCH_EVENTS.JOB_FAILED, { async: true })
  async onFailed(event: BatchJobCompletedEvent): Promise<void> {
    if (event.jobType !== 'replace_party' && event.result !== undefined) {
      // Exports have no rows, so a defined `result` outside replace_party is user rows.
      const rows: BatchUserResultRow[] = event.result;
      void rows;
    }
  }
}

export async function everyRow(event: BatchJobCompletedEvent): Promise<string[]> {
  const userids: string[] = [];
  if (event.jobType === 'replace_user') for await (const row of event.rows()) userids.push(row.userid);
  if (event.jobType === 'replace_party') {
    // @ts-expect-error department rows have no userid, also through rows()
    for await (const row of event.failures()) userids.push(row.userid);
  }
  return userids;
}

export function isCompletion(value: unknown): value is BatchJobCompletedEvent {
  return value instanceof BatchJobCompletedEvent; // a class at run time too
}

// ---- options: unknown keys are errors at compile time too; `T | undefined` passes under exactOptionalPropertyTypes ----

export function optionsFrom(config: ConfigService): WeComBatchModuleOptions {
  return {
    corpId: config.getOrThrow<string>('WECOM_CORP_ID'),
    corpSecret: config.getOrThrow<string>('WECOM_CORP_SECRET'),
    apiBaseUrl: config.get<string>('WECOM_API_BASE_URL'), // string | undefined
    callback: undefined,
    polling: { callbackGraceMs: undefined, initialIntervalMs: 50 },
    retry: { maxRetries: config.get<number>('WECOM_RETRIES') },
  };
}

export const misspelt: WeComBatchModuleOptions = {
  corpId: 'ww',
  corpSecret: 's',
  // @ts-expect-error `callbak` is not an option (the runtime check refuses it as well)
  callbak: { url: 'https://example.com', token: 't', encodingAESKey: 'k' },
};

@Module({
  imports: [
    WeComBatchModule.forRootAsync({
      isGlobal: true,
      callbackPath: 'hooks/wecom',
      inject: [ConfigService],
      useFactory: optionsFrom,
    }),
    WeComBatchModule.forRoot({ corpId: 'ww', corpSecret: 's', registerCallbackController: false }),
  ],
})
export class AppModule {}

// ---- the own-route input compiles with header values that may be undefined ----

export async function ownRoute(callbacks: WeComCallbackService, headers: Record<string, string | undefined>) {
  const answer = await callbacks.handleCallback({
    method: 'POST',
    query: 'msg_signature=a&timestamp=1&nonce=n',
    body: Buffer.from('<xml/>'),
    contentType: headers['content-type'],
    remoteAddress: headers['x-forwarded-for'],
  });
  const status: number = answer.status;
  return status;
}

// ---- BatchService / BatchJob ----

export async function sync(batch: BatchService, timeoutMs: number | undefined) {
  const job = await batch.syncUsers(
    { users: [{ userid: 'a', name: 'A', mobile: '1', departments: [1] }] },
    { toInvite: undefined },
  );
  const done = await job.wait({ timeoutMs });
  // @ts-expect-error MemberRow refuses unknown fields at compile time too
  await batch.syncUsers({ users: [{ userid: 'a', name: 'A', mobile: '1', deparment: [1] }] });
  return done.failedRows;
}

// ---- RedisStore is usable (a URL, options) although ioredis is not installed here ----

export const redisFromUrl = new RedisStore('redis://127.0.0.1:6379', {
  keyPrefix: 'app:',
  operationTimeoutMs: undefined,
});
// @ts-expect-error a number is no Redis target
export const notRedis = new RedisStore(6379);

// ---- the simulator's entry point ----

export async function simulator(): Promise<string> {
  const sim = await WeComSimulator.start({ corps: [{ corpId: 'ww', corpSecret: 's' }], jobDelayMs: 50 });
  await sim.close();
  return sim.baseUrl;
}
