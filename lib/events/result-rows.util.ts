import type { BatchResultRow } from '../model/batch-job.types.js';

/** Reads a completed job's result rows from wherever they are kept (the store's chunks, several jobs' rows). */
export type ResultRowsSource = () => AsyncIterable<BatchResultRow>;

/**
 * The rows behind each completed-event payload whose rows are not inline. A WeakMap rather than a property:
 * payloads are frozen and serialised (JSON, logs), and the reader holds the store — neither should show.
 */
const SOURCES = new WeakMap<object, ResultRowsSource>();

/** Ties `event` to the reader of its stored rows (called by the tracker when it builds the payload). */
export function attachResultRows(event: object, source: ResultRowsSource): void {
  SOURCES.set(event, source);
}

/**
 * Every result row of `event`, in WeCom's order: its inline `result` when it has one, else the rows read from
 * the store chunk by chunk (a few thousand at a time: a 1,000,000-row job is never one array). `onlyFailed`
 * keeps the rows with `errcode ≠ 0`.
 */
export async function* iterateResultRows(
  event: { result?: readonly BatchResultRow[] },
  onlyFailed: boolean,
): AsyncGenerator<BatchResultRow, void, undefined> {
  const source = SOURCES.get(event);
  if (source === undefined) {
    for (const row of event.result ?? []) if (!onlyFailed || row.errcode !== 0) yield row;
    return;
  }
  for await (const row of source()) if (!onlyFailed || row.errcode !== 0) yield row;
}
