import type { BatchJobProgress, BatchPartyResultRow, BatchResultRow, BatchUserResultRow } from 'nestjs-wecom-batch';
import type { CallbackDelivery } from 'nestjs-wecom-batch/testing';
import type { SyncedJob } from '../directory-sync.service.js';

const JOB_NAMES: Record<string, string> = {
  replace_party: '全量覆盖部门',
  replace_user: '全量覆盖成员',
  sync_user: '增量更新成员',
};
const STATUS_NAMES: Record<number, string> = { 1: 'started', 2: 'running', 3: 'done' };
const BAR_CELLS = 20;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** `  replace_party  [██████░░░░░░░░░░░░░░]  31 %  running  0.5 s` */
export function progressLine(jobType: string, progress: BatchJobProgress, elapsedMs: number): string {
  const pct = Math.max(0, Math.min(100, Math.round(progress.percentage)));
  const filled = Math.round((pct / 100) * BAR_CELLS);
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_CELLS - filled);
  const status = STATUS_NAMES[progress.status] ?? String(progress.status);
  return `  ${jobType.padEnd(13)}  [${bar}] ${String(pct).padStart(3)} %  ${status.padEnd(7)}  ${seconds(elapsedMs)}`;
}

/** Rows ok/failed of a completed job, with what WeCom did to departments. */
export function rowSummary({ job, completed }: SyncedJob): string {
  const rows = completed.result;
  if (rows === undefined) return `${job.rows ?? '?'} sent · no row results (WeCom no longer had them)`;
  let line = `${job.rows ?? rows.length} sent · ${rows.length - completed.failedRows} ok · ${completed.failedRows} failed`;
  const parties = rows.filter(isPartyRow);
  if (parties.length > 0) {
    const count = (key: keyof BatchPartyResultRow['actions']) => parties.filter((r) => r.actions[key]).length;
    line += `  (created ${count('created')}, renamed ${count('renamed')}, moved ${count('moved')}, reordered ${count('reordered')})`;
  }
  return line;
}

/** The failed rows, one line each (at most `limit`). */
export function failedRows(rows: readonly BatchResultRow[] | undefined, limit = 5): string[] {
  const failed = (rows ?? []).filter((row) => row.errcode !== 0);
  const lines = failed
    .slice(0, limit)
    .map(
      (row) =>
        `✗ ${isPartyRow(row) ? `department ${row.partyid}` : (row as BatchUserResultRow).userid}: ${row.errcode} ${row.errmsg}`,
    );
  if (failed.length > limit) lines.push(`… and ${failed.length - limit} more`);
  return lines;
}

/** `POST /wecom/batch/callback?msg_signature=1a2b…&timestamp=…&nonce=… → 200 in 4 ms` and the decrypted event. */
export function deliveryLines(delivery: CallbackDelivery): string[] {
  const url = new URL(delivery.url);
  const q = delivery.query;
  const answer = delivery.status === undefined ? (delivery.error ?? 'no answer') : String(delivery.status);
  const e = delivery.event;
  return [
    `POST ${url.pathname}?msg_signature=${q.msg_signature.slice(0, 8)}…&timestamp=${q.timestamp}&nonce=${q.nonce} ` +
      `→ ${answer}${delivery.durationMs === undefined ? '' : ` in ${Math.round(delivery.durationMs)} ms`} (attempt ${delivery.attempt})`,
    `encrypted ${e.Event}: ToUserName ${e.ToUserName} · JobType ${e.JobType} · ErrCode ${e.ErrCode} · ErrMsg ${e.ErrMsg}`,
  ];
}

export function jobTitle(jobType: string): string {
  return `${jobType} (${JOB_NAMES[jobType] ?? jobType})`;
}

function isPartyRow(row: BatchResultRow): row is BatchPartyResultRow {
  return 'partyid' in row;
}
