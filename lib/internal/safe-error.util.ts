/**
 * What of an error may reach a log line, an error's `cause` or an event. Third-party errors (axios, ioredis)
 * carry request configs, URLs and command arguments — access tokens, secrets — so only their name, code and a
 * scrubbed message are ever kept.
 */

/** `error`'s name and message, for a log line. Scrub the result if the message may hold credentials. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** `error`'s message, or its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `error`'s name (or its `typeof`): what a refusal log may say about a failure without its text. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** `error.code` when it is a string or a number (Node and ioredis codes), else undefined. */
export function errorCode(error: unknown): string | number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}

/** Name and code only, e.g. `Error ECONNREFUSED`: for logs that must not repeat any text of the error. */
export function describeErrorKind(error: unknown): string {
  const code = errorCode(error);
  return code === undefined ? errorName(error) : `${errorName(error)} ${code}`;
}

/**
 * A copy of `error` that is safe to keep as a `cause`: its name, its code and `scrub(message)`; the stack is the
 * scrubbed first line only (a third-party stack may quote arguments). Never the original object.
 */
export function safeCause(error: unknown, scrub: (text: string) => string = (text) => text): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cause = new Error(scrub(source.message));
  cause.name = source.name;
  const code = errorCode(source);
  if (code !== undefined) Object.assign(cause, { code });
  cause.stack = `${cause.name}: ${cause.message}`;
  return cause;
}

/** The numeric `errcode` of a WeCom error, else undefined. */
export function errcodeOf(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  return typeof errcode === 'number' ? errcode : undefined;
}
