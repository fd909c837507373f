/**
 * The `error.type` of a failure (OpenTelemetry's low-cardinality class of error), from the shape of the package's
 * errors — duck-typed, because telemetry sits below the errors layer: WeCom's errcode (`"60020"`), else the
 * transport code (`"ECONNRESET"`), else the HTTP status (`"502"`), else the error kind, else the problem of an export
 * file (`"md5"`, `"decrypt"`, `"json"`…), else the class name. Never the message: messages may quote what a caller
 * passed in.
 */
export function errorTypeOf(error: unknown): string {
  if (error === null || typeof error !== 'object') return '_OTHER';
  const e = error as {
    errcode?: unknown;
    transportCode?: unknown;
    httpStatus?: unknown;
    kind?: unknown;
    problem?: unknown;
    name?: unknown;
  };
  if (typeof e.errcode === 'number') return String(e.errcode);
  if (typeof e.transportCode === 'string' && e.transportCode !== '') return e.transportCode;
  if (typeof e.httpStatus === 'number') return String(e.httpStatus);
  if (typeof e.kind === 'string' && e.kind !== '') return e.kind;
  if (typeof e.problem === 'string' && /^[a-z0-9_]{1,32}$/.test(e.problem)) return e.problem;
  return typeof e.name === 'string' && /^[A-Za-z0-9_.]{1,64}$/.test(e.name) ? e.name : '_OTHER';
}

/** WeCom's errcode of a failure, if it has one. */
export function errcodeOfError(error: unknown): number | undefined {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' ? errcode : undefined;
}
