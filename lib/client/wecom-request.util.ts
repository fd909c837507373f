import { WeComApiError } from '../errors/wecom-api.error.js';

/** Query parameters of a GET; `undefined` values are left out. */
export type WeComQuery = Record<string, string | number | undefined>;

/** WeCom takes files up to 20 MB (`type=file`). */
export const MAX_MEDIA_FILE_BYTES = 20 * 1024 * 1024;
/** WeCom refuses files of 5 bytes or less. */
export const MIN_MEDIA_FILE_BYTES = 6;

const ENDPOINT_PATTERN = /^[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*$/;

/** `base` plus the caller's query parameters (`undefined` values left out; the caller cannot set `access_token`). */
export function withQuery(base: URLSearchParams, extra: WeComQuery | undefined): URLSearchParams {
  const query = new URLSearchParams(base);
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined) continue;
    if (name === 'access_token') continue;
    query.append(name, String(value));
  }
  return query;
}

/**
 * Endpoint paths are relative names like `batch/getresult`: an absolute URL or `../` would send the access
 * token to another host or path.
 */
export function checkEndpoint(endpoint: string): void {
  if (typeof endpoint !== 'string' || !ENDPOINT_PATTERN.test(endpoint)) {
    throw new WeComApiError({
      kind: 'local',
      endpoint: typeof endpoint === 'string' ? endpoint.slice(0, 100) : String(endpoint),
      errmsg: 'the endpoint must be a path relative to /cgi-bin/, like "batch/getresult"',
      retryable: false,
    });
  }
}

/** Refuses, before anything is sent, a file or filename WeCom would refuse (`kind: 'local'` with WeCom's errcode). */
export function checkMedia(file: Buffer, filename: string, endpoint: string): void {
  const refuse = (errcode: number, errmsg: string): never => {
    throw new WeComApiError({ kind: 'local', endpoint, errcode, errmsg, retryable: false });
  };
  if (!Buffer.isBuffer(file)) refuse(44001, 'the file must be a Buffer');
  if (file.length > MAX_MEDIA_FILE_BYTES) {
    refuse(45001, `the file is ${file.length} bytes; WeCom accepts at most ${MAX_MEDIA_FILE_BYTES} bytes (20 MB)`);
  }
  if (file.length < MIN_MEDIA_FILE_BYTES) {
    refuse(40006, `the file is ${file.length} bytes; WeCom requires more than 5 bytes`);
  }
  // The name goes into a Content-Disposition header: no quotes, backslashes, path separators or control chars.
  if (
    typeof filename !== 'string' ||
    filename.length === 0 ||
    filename.length > 128 ||
    /["\\/\p{Cc}]/u.test(filename)
  ) {
    refuse(40004, 'the filename must be 1–128 characters without quotes, slashes, backslashes or control characters');
  }
}

/** The multipart part's content type: CSV for `.csv`, else opaque bytes. */
export function contentTypeOf(filename: string): string {
  return /\.csv$/i.test(filename) ? 'text/csv' : 'application/octet-stream';
}
