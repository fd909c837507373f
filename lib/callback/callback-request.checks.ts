import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { UnreadCallbackBody } from './callback-body.reader.js';
import type { WeComCallbackRequest } from './callback.types.js';

/**
 * The HTTP-level checks of a callback request — method, query parameters, body type and size — done before any
 * cryptography, so malformed or oversized input is refused at the cost of a few string operations.
 */

/** Longest accepted query values: WeCom's are a 40-hex signature, a 10-digit timestamp and a short nonce. */
const MAX_PARAM_LENGTH = { msg_signature: 128, timestamp: 12, nonce: 128, echostr: 4096 } as const;

/** A query parameter the callback route reads. */
export type CallbackParamName = keyof typeof MAX_PARAM_LENGTH;

/** The parameters of an event delivery (POST). */
export const POST_PARAMS = ['msg_signature', 'timestamp', 'nonce'] as const satisfies readonly CallbackParamName[];
/** The parameters of WeCom's URL verification (GET). */
export const GET_PARAMS = [
  'msg_signature',
  'timestamp',
  'nonce',
  'echostr',
] as const satisfies readonly CallbackParamName[];

/** Body types that are never a WeCom callback, each with the name the refusal gives it (no request header echoed). */
const REFUSED_CONTENT_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\s*application\/(?:[\w.+-]*\+)?json/i, 'JSON'],
  [/^\s*application\/x-www-form-urlencoded/i, 'form'],
  [/^\s*multipart\//i, 'multipart'],
];
const DIGITS = /^\d+$/;
const NOT_BLANK = /\S/;

/** The request method upper-cased when it is GET or POST (the only two WeCom uses), else `undefined`. */
export function callbackMethod(request: WeComCallbackRequest): 'GET' | 'POST' | undefined {
  const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
  return method === 'GET' || method === 'POST' ? method : undefined;
}

/**
 * The named parameters, each present once, non-empty and not overlong, with a numeric `timestamp`. A string
 * query is parsed here (exact duplicate detection); a parsed query object is checked for arrays.
 *
 * @throws WeComCallbackRejectedError `invalid_parameters` or `missing_parameters` (400).
 */
export function readCallbackParams<K extends CallbackParamName>(
  query: WeComCallbackRequest['query'],
  names: readonly K[],
): Record<K, string> {
  const values: Partial<Record<K, string>> = {};
  const duplicated: K[] = [];
  if (typeof query === 'string') {
    for (const [name, value] of queryPairs(query.startsWith('?') ? query.slice(1) : query)) {
      if (!(names as readonly string[]).includes(name)) continue;
      if (values[name as K] !== undefined) duplicated.push(name as K);
      else values[name as K] = value;
    }
  } else {
    const object = (query ?? {}) as Record<string, unknown>;
    for (const name of names) {
      const value = object[name];
      if (Array.isArray(value)) duplicated.push(name);
      else if (typeof value === 'string') values[name] = value;
    }
  }
  if (duplicated.length > 0) {
    throw new WeComCallbackRejectedError(
      'invalid_parameters',
      400,
      `query parameters given more than once: ${[...new Set(duplicated)].join(', ')}`,
    );
  }
  const missing = names.filter((name) => !values[name]);
  if (missing.length > 0) {
    throw new WeComCallbackRejectedError('missing_parameters', 400, `missing query parameters: ${missing.join(', ')}`);
  }
  const tooLong = names.filter((name) => (values[name] as string).length > MAX_PARAM_LENGTH[name]);
  if (tooLong.length > 0) {
    throw new WeComCallbackRejectedError('invalid_parameters', 400, `query parameters too long: ${tooLong.join(', ')}`);
  }
  if (!DIGITS.test((values as Partial<Record<CallbackParamName, string>>).timestamp as string)) {
    throw new WeComCallbackRejectedError('invalid_parameters', 400, 'timestamp is not a number of seconds');
  }
  return values as Record<K, string>;
}

/**
 * The name/value pairs of a query string, decoded as `URLSearchParams` does. WeCom's queries carry no escapes
 * (hex, digits, a short nonce), so a query without `%` or `+` is split as it is — nothing to decode, and the
 * `URLSearchParams` object (a third of this check in the profile of a forged flood) is saved; any other query goes
 * through `URLSearchParams`.
 */
function queryPairs(query: string): Iterable<[string, string]> {
  if (query.includes('%') || query.includes('+')) return new URLSearchParams(query);
  const pairs: Array<[string, string]> = [];
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    pairs.push(equals < 0 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)]);
  }
  return pairs;
}

/**
 * The POST body as text (a leading BOM dropped; a Buffer decoded as Latin-1, enough for the ASCII envelope), after
 * the content-type and size checks.
 *
 * @throws WeComCallbackRejectedError `unsupported_content_type` (400), `body_too_large` (413), `body_timeout`
 * (408), `body_unreadable` (400) or `malformed_envelope` (400, an empty body).
 */
export function readCallbackBodyText(request: WeComCallbackRequest, maxBodyBytes: number): string {
  const refused = typeof request.contentType === 'string' ? refusedType(request.contentType) : undefined;
  if (refused !== undefined) {
    throw new WeComCallbackRejectedError(
      'unsupported_content_type',
      400,
      `a ${refused} body is not a WeCom callback (expected text/xml)`,
    );
  }
  const body = request.body;
  if (body instanceof UnreadCallbackBody) throw unread(body);
  let text: string;
  if (Buffer.isBuffer(body)) {
    if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
    // Latin-1, not UTF-8: the envelope's structure is ASCII and the one field read, Encrypt, is base64, so
    // nothing read changes — and decoding a forged 16 KB body costs a copy instead of a UTF-8 validation pass.
    // (A non-ASCII byte in Encrypt breaks its signature either way.) The UTF-8 BOM is dropped as bytes.
    const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    text = body.toString('latin1', start);
  } else if (typeof body === 'string') {
    // The character count first: it bounds the byte count from below and costs nothing.
    if (body.length > maxBodyBytes || Buffer.byteLength(body) > maxBodyBytes) throw tooLarge(maxBodyBytes);
    text = body;
  } else if (body === undefined || body === null) {
    text = '';
  } else {
    throw new WeComCallbackRejectedError(
      'unsupported_content_type',
      400,
      'the body was already parsed into an object by another body parser; the callback needs the raw XML',
    );
  }
  if (!NOT_BLANK.test(text)) throw new WeComCallbackRejectedError('malformed_envelope', 400, 'the body is empty');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function refusedType(contentType: string): string | undefined {
  return REFUSED_CONTENT_TYPES.find(([pattern]) => pattern.test(contentType))?.[1];
}

function unread(body: UnreadCallbackBody): WeComCallbackRejectedError {
  return body.cause === 'timeout'
    ? new WeComCallbackRejectedError('body_timeout', 408, 'the body did not arrive within callbackBodyTimeoutMs')
    : new WeComCallbackRejectedError('body_unreadable', 400, 'the request body could not be read to its end');
}

function tooLarge(maxBodyBytes: number): WeComCallbackRejectedError {
  return new WeComCallbackRejectedError(
    'body_too_large',
    413,
    `the body is larger than callbackMaxBodyBytes (${maxBodyBytes} bytes)`,
  );
}
