/** A field value of a log line: ids, counts, types — never a secret or a person's data. */
export type LogFieldValue = string | number | boolean | undefined;

/**
 * ` key=value key=value` for the end of a log line: readable as plain text, and one string for JSON loggers
 * (Nest's `ConsoleLogger({ json: true })` writes the message as a single `message` field, so a parser can split
 * these pairs out). Values with spaces, quotes or `=` are JSON-quoted; `undefined` fields are left out.
 */
export function logFields(fields: Record<string, LogFieldValue>): string {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    out += ` ${key}=${/^[^\s"=]+$/.test(text) ? text : JSON.stringify(text)}`;
  }
  return out;
}
