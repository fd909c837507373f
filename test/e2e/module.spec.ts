import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  BatchService,
  WeComBatchModule,
  WeComConfigError,
  type WeComBatchModuleOptions,
  type WeComBatchOptionsFactory,
} from 'nestjs-wecom-batch';
import { ADAPTERS, bootApp, type BootedApp } from './helpers/app.js';
import { validOptions } from './helpers/fixtures.js';

@Injectable()
class WeComConfig implements WeComBatchOptionsFactory {
  createWeComBatchOptions(): WeComBatchModuleOptions {
    return validOptions();
  }
}

@Module({ providers: [WeComConfig], exports: [WeComConfig] })
class WeComConfigModule {}

const registrations = {
  forRoot: () => WeComBatchModule.forRoot(validOptions()),
  'forRootAsync useFactory (ConfigService)': () =>
    WeComBatchModule.forRootAsync({
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ wecom: validOptions() })] })],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => config.getOrThrow<WeComBatchModuleOptions>('wecom'),
    }),
  'forRootAsync useClass': () => WeComBatchModule.forRootAsync({ useClass: WeComConfig }),
  'forRootAsync useExisting': () =>
    WeComBatchModule.forRootAsync({ imports: [WeComConfigModule], useExisting: WeComConfig }),
};

/** The callback route answers 400 (missing query parameters) when mounted, 404 when not. */
async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe.each(ADAPTERS)('WeComBatchModule on %s', (adapter) => {
  let booted: BootedApp | undefined;
  afterEach(async () => {
    await booted?.close();
    booted = undefined;
  });

  it.each(Object.entries(registrations))(
    '%s: boots, injects BatchService, mounts the callback route',
    async (_name, register) => {
      booted = await bootApp([EventEmitterModule.forRoot(), register()], adapter);
      const batch = booted.app.get(BatchService);
      expect(batch).toBeInstanceOf(BatchService);
      expect(batch.corpId).toBe(validOptions().corpId);
      expect(await statusOf(`${booted.url}/wecom/batch/callback`)).toBe(400);
      expect(await statusOf(`${booted.url}/wecom/batch/other`)).toBe(404);
    },
  );

  it('forRoot with a custom callbackPath mounts it there and not at the default path', async () => {
    booted = await bootApp(
      [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({
          ...validOptions({ callback: { ...validOptions().callback!, url: 'http://127.0.0.1:9/hooks/wecom' } }),
          callbackPath: 'hooks/wecom',
        }),
      ],
      adapter,
    );
    expect(await statusOf(`${booted.url}/hooks/wecom`)).toBe(400);
    expect(await statusOf(`${booted.url}/wecom/batch/callback`)).toBe(404);
  });

  it('forRootAsync with a custom callbackPath mounts it there', async () => {
    booted = await bootApp(
      [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRootAsync({
          useFactory: () =>
            validOptions({ callback: { ...validOptions().callback!, url: 'http://127.0.0.1:9/api/wecom-callback' } }),
          callbackPath: '/api/wecom-callback',
        }),
      ],
      adapter,
    );
    expect(await statusOf(`${booted.url}/api/wecom-callback`)).toBe(400);
  });

  it.each([
    ['forRoot', () => WeComBatchModule.forRoot({ ...validOptions(), registerCallbackController: false })],
    [
      'forRootAsync',
      () => WeComBatchModule.forRootAsync({ useFactory: () => validOptions(), registerCallbackController: false }),
    ],
  ])('%s with registerCallbackController: false serves no callback route (404)', async (_name, register) => {
    booted = await bootApp([EventEmitterModule.forRoot(), register()], adapter);
    expect(await statusOf(`${booted.url}/wecom/batch/callback`)).toBe(404);
    expect(booted.app.get(BatchService)).toBeInstanceOf(BatchService);
  });
});

describe('WeComBatchModule registration', () => {
  it('isGlobal lets a feature module inject BatchService without importing the module', async () => {
    @Injectable()
    class DirectorySync {
      constructor(readonly batch: BatchService) {}
    }
    @Module({ providers: [DirectorySync] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({ ...validOptions(), isGlobal: true }),
        FeatureModule,
      ],
    }).compile();
    expect(moduleRef.get(DirectorySync).batch).toBeInstanceOf(BatchService);
    await moduleRef.close();
  });

  it('without isGlobal, one module of the app that registers and re-exports it serves every feature module', async () => {
    @Injectable()
    class DirectorySync {
      constructor(readonly batch: BatchService) {}
    }
    // The README's pattern: register once in a module of your own, export the registration, import that module.
    const registration = WeComBatchModule.forRoot(validOptions());
    @Module({ imports: [registration], exports: [registration] })
    class WeComModule {}
    @Module({ imports: [WeComModule], providers: [DirectorySync] })
    class FeatureA {}
    @Module({ imports: [WeComModule], providers: [DirectorySync] })
    class FeatureB {}

    const moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot(), FeatureA, FeatureB],
    }).compile();
    const a = moduleRef.select(FeatureA).get(DirectorySync).batch;
    const b = moduleRef.select(FeatureB).get(DirectorySync).batch;
    expect(a).toBeInstanceOf(BatchService);
    expect(a).toBe(b); // one registration, one BatchService
    await moduleRef.close();
  });

  it('a bare `imports: [WeComBatchModule]` in a feature module does not provide BatchService', async () => {
    @Injectable()
    class DirectorySync {
      constructor(readonly batch: BatchService) {}
    }
    @Module({ imports: [WeComBatchModule], providers: [DirectorySync] })
    class FeatureModule {}

    await expect(
      Test.createTestingModule({
        imports: [EventEmitterModule.forRoot(), WeComBatchModule.forRoot(validOptions()), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/BatchService|WECOM_BATCH_STORE|dependencies/);
  });

  it('without isGlobal a feature module that does not import it cannot resolve BatchService', async () => {
    @Injectable()
    class DirectorySync {
      constructor(readonly batch: BatchService) {}
    }
    @Module({ providers: [DirectorySync] })
    class FeatureModule {}

    await expect(
      Test.createTestingModule({
        imports: [EventEmitterModule.forRoot(), WeComBatchModule.forRoot(validOptions()), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/BatchService/);
  });
});

describe('WeComBatchModule bootstrap errors', () => {
  async function bootError(options: unknown, withEmitter = true): Promise<WeComConfigError> {
    const imports = [WeComBatchModule.forRootAsync({ useFactory: () => options as WeComBatchModuleOptions })];
    const error = await Test.createTestingModule({
      imports: withEmitter ? [EventEmitterModule.forRoot(), ...imports] : imports,
    })
      .compile()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WeComConfigError);
    return error as WeComConfigError;
  }

  const base = validOptions();
  const cases: Array<[string, unknown, string]> = [
    ['a missing corpId', { ...base, corpId: undefined }, 'corpId'],
    ['an empty corpId', { ...base, corpId: '' }, 'corpId'],
    ['a missing corpSecret', { ...base, corpSecret: undefined }, 'corpSecret'],
    [
      'a 42-character EncodingAESKey',
      { ...base, callback: { ...base.callback, encodingAESKey: base.callback!.encodingAESKey.slice(1) } },
      'callback.encodingAESKey',
    ],
    [
      'an EncodingAESKey with a +',
      { ...base, callback: { ...base.callback, encodingAESKey: `${base.callback!.encodingAESKey.slice(1)}+` } },
      'callback.encodingAESKey',
    ],
    ['a 33-character token', { ...base, callback: { ...base.callback, token: 'a'.repeat(33) } }, 'callback.token'],
    ['a token with a dash', { ...base, callback: { ...base.callback, token: 'abc-def' } }, 'callback.token'],
    ['an ftp callback.url', { ...base, callback: { ...base.callback, url: 'ftp://example.com/cb' } }, 'callback.url'],
    [
      'a callback.url without scheme',
      { ...base, callback: { ...base.callback, url: 'example.com/cb' } },
      'callback.url',
    ],
    ['a non-http apiBaseUrl', { ...base, apiBaseUrl: 'file:///etc/passwd' }, 'apiBaseUrl'],
    ['a store that is not a store', { ...base, store: {} }, 'store'],
    ['a negative maxRetries', { ...base, retry: { maxRetries: -1 } }, 'retry.maxRetries'],
  ];

  it.each(cases)('%s fails the bootstrap with an error naming the field', async (_name, options, field) => {
    const error = await bootError(options);
    expect(error.problems.map((p) => p.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('lists every invalid field at once', async () => {
    const error = await bootError({
      corpId: '',
      callback: { url: 'nope', token: 'x'.repeat(40), encodingAESKey: 'short' },
    });
    expect(error.problems.map((p) => p.field).sort()).toEqual(
      ['callback.encodingAESKey', 'callback.token', 'callback.url', 'corpId', 'corpSecret'].sort(),
    );
  });

  it('never prints the secret values it rejects', async () => {
    const secretKey = 'S3cretAesKeyThatIsNotFortyThreeChars';
    const error = await bootError({
      ...base,
      callback: { ...base.callback, encodingAESKey: secretKey, token: 'tok-en' },
    });
    expect(error.message).not.toContain(secretKey);
    expect(error.message).not.toContain('tok-en');
  });

  it('a missing EventEmitterModule.forRoot() is a named error that says what to import', async () => {
    const error = await bootError(validOptions(), false);
    expect(error.message).toContain('EventEmitterModule.forRoot()');
    expect(error.message).toContain('@nestjs/event-emitter');
    expect(error.problems).toEqual([{ field: 'EventEmitterModule', message: expect.stringContaining('forRoot()') }]);
  });

  it('a misspelt group (`callbak`) fails the bootstrap instead of running every job without a callback', async () => {
    const { callback, ...rest } = base;
    const error = await bootError({ ...rest, callbak: callback });
    expect(error.problems).toEqual([
      { field: 'callbak', message: expect.stringContaining('did you mean `callback`?') },
    ]);
  });

  it('an unknown key inside a group (`polling.callbackGrace`) fails the bootstrap, naming the key it meant', async () => {
    const error = await bootError({ ...base, polling: { callbackGrace: 500 } });
    expect(error.problems).toEqual([
      { field: 'polling.callbackGrace', message: expect.stringContaining('did you mean `callbackGraceMs`?') },
    ]);
  });

  it.each([
    ['isGlobal', true],
    ['callbackPath', 'hooks/wecom'],
    ['registerCallbackController', false],
  ])('`%s` returned from useFactory fails the bootstrap: it belongs beside useFactory', async (key, value) => {
    const error = await bootError({ ...base, [key]: value });
    expect(error.problems).toEqual([{ field: key, message: expect.stringContaining('beside useFactory') }]);
  });

  it('`isGlobal` returned from a useClass factory is refused the same way', async () => {
    @Injectable()
    class GlobalInside implements WeComBatchOptionsFactory {
      createWeComBatchOptions(): WeComBatchModuleOptions {
        return { ...validOptions(), isGlobal: true } as WeComBatchModuleOptions;
      }
    }
    const error = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot(), WeComBatchModule.forRootAsync({ useClass: GlobalInside })],
    })
      .compile()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(WeComConfigError);
    expect((error as WeComConfigError).problems.map((p) => p.field)).toEqual(['isGlobal']);
  });

  it('forRoot still takes the extras beside the options (Nest strips them before validation)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({
          ...validOptions(),
          isGlobal: true,
          callbackPath: 'x',
          registerCallbackController: false,
        }),
      ],
    }).compile();
    expect(moduleRef.get(BatchService)).toBeInstanceOf(BatchService);
    await moduleRef.close();
  });
});
