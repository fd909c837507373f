/**
 * The user-facing texts of `WeComConfigError`s raised at bootstrap, kept in one place so they stay consistent.
 * (WeCom errcode texts live beside `WeComApiError`, in `wecom-api.messages.ts`.)
 */

/** Thrown when the app has no `EventEmitter2`: says exactly what to import, instead of Nest's generic DI error. */
export const MISSING_EVENT_EMITTER_MESSAGE =
  'WeComBatchModule needs EventEmitter2 from @nestjs/event-emitter, and none was found. ' +
  'Add `EventEmitterModule.forRoot()` (import { EventEmitterModule } from "@nestjs/event-emitter") ' +
  'to the imports of your AppModule. The module emits its job events (wecom.batch.job.*) through it.';

/** One line per invalid option, field first, so every problem is visible in the one bootstrap failure. */
export function invalidOptionsMessage(problems: readonly { field: string; message: string }[]): string {
  const lines = problems.map((p) => `  - ${p.field}: ${p.message}`);
  return `Invalid WeComBatchModule options (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** The one problem of a missing EventEmitter2, so `WeComConfigError.problems` is never empty at bootstrap. */
export const MISSING_EVENT_EMITTER_PROBLEM = Object.freeze({
  field: 'EventEmitterModule',
  message: 'not imported: add EventEmitterModule.forRoot() to the imports of your AppModule',
});

/**
 * An option key the module does not know, e.g. `callbak` or `polling.callbackGrace`. Ignoring it would boot an app
 * that silently runs without what the key was meant to set, so it is refused — with the closest known key.
 */
export function unknownOptionMessage(suggestion: string | undefined): string {
  return `is not a WeComBatchModule option${suggestion === undefined ? '' : ` (did you mean \`${suggestion}\`?)`}`;
}

/**
 * A registration setting (`isGlobal`, `callbackPath`, …) found among the options a factory returned. Nest reads
 * those settings before any factory runs, so there it would be ignored: it belongs beside `useFactory`.
 */
export function misplacedExtraMessage(key: string): string {
  return (
    `is a registration setting, not an option: pass it to forRootAsync({ ${key}, useFactory, … }) beside ` +
    `useFactory / useClass / useExisting (Nest reads it before the factory runs, so returned from the factory it ` +
    `would be ignored)`
  );
}
