import type { Provider } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { WeComConfigError } from './errors/wecom-config.error.js';
import { MISSING_EVENT_EMITTER_MESSAGE, MISSING_EVENT_EMITTER_PROBLEM } from './errors/config.messages.js';
import { WECOM_BATCH_EMITTER } from './wecom-batch.internal-constants.js';

/**
 * Resolves the app's `EventEmitter2`. The library never calls `EventEmitterModule.forRoot()` itself (the app
 * owns the emitter and its options), so when the app forgot it we fail at bootstrap with a message that says
 * what to import, instead of Nest's generic "can't resolve dependencies".
 */
export const eventEmitterProvider: Provider = {
  provide: WECOM_BATCH_EMITTER,
  useFactory: (emitter?: EventEmitter2) => {
    if (!emitter) throw new WeComConfigError(MISSING_EVENT_EMITTER_MESSAGE, [{ ...MISSING_EVENT_EMITTER_PROBLEM }]);
    return emitter;
  },
  inject: [{ token: EventEmitter2, optional: true }],
};
