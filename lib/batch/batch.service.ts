import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { WeComBatchStore } from '../stores/wecom-batch-store.interface.js';
import type { ResolvedWeComBatchOptions } from '../wecom-batch.options.js';
import {
  WECOM_BATCH_EMITTER,
  WECOM_BATCH_HTTP,
  WECOM_BATCH_RESOLVED_OPTIONS,
  WECOM_BATCH_STORE,
} from '../wecom-batch.internal-constants.js';

/**
 * Submits WeCom contact-import jobs and tracks them to completion. Inject it anywhere in the app:
 *
 * ```ts
 * constructor(private readonly batch: BatchService) {}
 * ```
 */
@Injectable()
export class BatchService {
  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly options: ResolvedWeComBatchOptions,
    @Inject(WECOM_BATCH_STORE) private readonly store: WeComBatchStore,
    @Inject(WECOM_BATCH_HTTP) private readonly http: HttpService,
    @Inject(WECOM_BATCH_EMITTER) private readonly events: EventEmitter2,
  ) {}

  /** The CorpID this service submits jobs for. */
  get corpId(): string {
    return this.options.corpId;
  }
}
