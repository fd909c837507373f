import type { LoggerService } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { describeError } from './safe-error.util.js';

/**
 * Emits `event` to the app's listeners. A synchronous listener that throws must not undo what the module already
 * did (a job completed and persisted, a callback refused): its error is logged, never rethrown.
 */
export function emitSafely(
  emitter: EventEmitter2,
  logger: Pick<LoggerService, 'error'>,
  name: string,
  event: unknown,
): void {
  try {
    emitter.emit(name, event);
  } catch (error) {
    logger.error(`a listener of ${name} threw: ${describeError(error)}`);
  }
}
