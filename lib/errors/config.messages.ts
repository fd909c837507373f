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
