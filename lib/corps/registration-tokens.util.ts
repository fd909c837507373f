import { Inject } from '@nestjs/common';
import { BatchService } from '../batch/batch.service.js';
import { WeComCallbackService } from '../callback/wecom-callback.service.js';
import { WeComConfigError } from '../errors/wecom-config.error.js';

/** What a registration `name` may be: it becomes part of a token, of the default callback path and of events. */
const REGISTRATION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Throws a `WeComConfigError` for a `name` extra that is not 1–64 letters, digits, `-` or `_`. Runs when
 * `forRoot()` is called: a misspelt registration fails before anything boots.
 */
export function assertRegistrationName(name: unknown): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || !REGISTRATION_NAME.test(name)) {
    throw new WeComConfigError(
      'WeComBatchModule: the `name` extra must be 1 to 64 letters, digits, "-" or "_" (it names the injection ' +
        'token and the default callback path), e.g. name: "subsidiary-a"',
      [{ field: 'name', message: 'must be 1 to 64 letters, digits, "-" or "_"' }],
    );
  }
}

/**
 * The injection token of a registration's `BatchService`: the class itself for the unnamed registration, a
 * string unique to `name` otherwise (the TypeORM / BullMQ pattern). Use it with `@Inject()`, `moduleRef.get()`
 * or `app.get()`.
 */
export function getBatchServiceToken(name?: string): string | typeof BatchService {
  return name === undefined ? BatchService : `WeComBatchService:${name}`;
}

/** The injection token of a registration's `WeComCallbackService` (the class for the unnamed registration). */
export function getWeComCallbackServiceToken(name?: string): string | typeof WeComCallbackService {
  return name === undefined ? WeComCallbackService : `WeComCallbackService:${name}`;
}

/**
 * Injects the `BatchService` of the registration named `name` (`forRoot({ name, … })`); without a name, the
 * unnamed one.
 *
 * ```ts
 * constructor(@InjectBatchService('north') private readonly north: BatchService) {}
 * ```
 */
export function InjectBatchService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getBatchServiceToken(name));
}

/** Injects the `WeComCallbackService` of the registration named `name` (for a route of your own). */
export function InjectWeComCallbackService(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getWeComCallbackServiceToken(name));
}
