// src/app.module.ts
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { WeComBatchModule, type WeComBatchModuleOptions } from 'nestjs-wecom-batch';
import { DirectorySyncService } from './directory-sync.service.js';

@Module({
  imports: [
    ConfigModule.forRoot(),
    EventEmitterModule.forRoot(), // required: the module emits its job events through the app's EventEmitter2
    WeComBatchModule.forRootAsync({
      isGlobal: true, // BatchService can be injected in every module of the app (see "Feature modules")
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService): WeComBatchModuleOptions => ({
        corpId: config.getOrThrow<string>('WECOM_CORP_ID'),
        corpSecret: config.getOrThrow<string>('WECOM_CORP_SECRET'), // the 通讯录同步 secret
        apiBaseUrl: config.get<string>('WECOM_API_BASE_URL'), // unset: WeCom itself; in tests: the simulator
        // A public URL that reaches this app (see "The callback route"); without one, jobs are followed by polling.
        callback: config.get<string>('WECOM_CALLBACK_URL')
          ? {
              url: config.getOrThrow<string>('WECOM_CALLBACK_URL'), // https://hr.example.com/wecom/batch/callback
              token: config.getOrThrow<string>('WECOM_CALLBACK_TOKEN'),
              encodingAESKey: config.getOrThrow<string>('WECOM_CALLBACK_AES_KEY'),
            }
          : undefined,
        // The tests set WECOM_FAST_POLLING=1: poll every 50–200 ms (defaults: 2 s, doubling up to 60 s).
        polling: config.get<string>('WECOM_FAST_POLLING')
          ? { callbackGraceMs: 500, initialIntervalMs: 50, maxIntervalMs: 200 }
          : undefined,
      }),
    }),
  ],
  providers: [DirectorySyncService],
})
export class AppModule {}
