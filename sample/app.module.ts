import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { WeComBatchModule } from 'nestjs-wecom-batch';
import { DirectoryMirrorService } from './directory-mirror.service.js';
import { DirectorySyncService } from './directory-sync.service.js';
import { JobEventsListener } from './job-events.listener.js';
import { weComBatchOptions } from './wecom-batch.config.js';

/**
 * The sample app, written as any Nest app would use the module: configuration from the environment
 * (ConfigModule, which also reads a `.env` file), the app's EventEmitter2 (the module emits its job events
 * through it), and `WeComBatchModule.forRootAsync`. The callback controller is mounted at the default
 * `/wecom/batch/callback`.
 */
@Module({
  imports: [
    ConfigModule.forRoot(),
    EventEmitterModule.forRoot(),
    WeComBatchModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: weComBatchOptions,
    }),
  ],
  providers: [DirectorySyncService, DirectoryMirrorService, JobEventsListener],
})
export class AppModule {}
