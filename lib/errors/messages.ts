/** User-facing messages that are long or shared, kept in one place so they stay consistent. */

export const MISSING_EVENT_EMITTER_MESSAGE =
  'WeComBatchModule needs EventEmitter2 from @nestjs/event-emitter, and none was found. ' +
  'Add `EventEmitterModule.forRoot()` (import { EventEmitterModule } from "@nestjs/event-emitter") ' +
  'to the imports of your AppModule. The module emits its job events (wecom.batch.job.*) through it.';

export function invalidOptionsMessage(problems: readonly { field: string; message: string }[]): string {
  const lines = problems.map((p) => `  - ${p.field}: ${p.message}`);
  return `Invalid WeComBatchModule options (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}
