/**
 * The framework-neutral request and response of `WeComCallbackService.handleCallback()` (public API).
 */

/**
 * Query parameters WeCom puts on every callback request, as a framework parsed them. A parameter given more
 * than once arrives as an array (Express, Fastify) and is refused.
 */
export interface WeComCallbackQuery {
  msg_signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  /** GET (URL verification) only. */
  echostr?: unknown;
}

/** A callback request, independent of the HTTP framework. */
export interface WeComCallbackRequest {
  /** `GET` (URL verification) or `POST` (event delivery); anything else is answered 405. */
  method: string;
  /**
   * The raw query string (with or without the leading `?`) — preferred: duplicates are detected exactly —
   * or the query object your framework parsed (`req.query`).
   */
  query: string | WeComCallbackQuery | Record<string, unknown>;
  /**
   * POST: the raw body as received, a `Buffer` or a string (no XML or JSON parsing beforehand). Anything else
   * (e.g. an object a JSON parser produced) is refused with 400. A body over `callbackMaxBodyBytes` gets 413;
   * you may cut it at `callbackMaxBodyBytes + 1` bytes instead of reading all of it (and should then close the
   * connection, as the answer's `Connection: close` header says).
   */
  body?: unknown;
  /** The request's `Content-Type` header, if any: JSON, form and multipart bodies are refused with 400. */
  contentType?: string | undefined;
  /** The peer's address, reported in `wecom.batch.callback.rejected` events. */
  remoteAddress?: string | undefined;
}

/** What to answer: write `status`, the `Content-Type` header, `headers` and `body` (possibly empty) as they are. */
export interface WeComCallbackResponse {
  status: number;
  /** GET: the bare decrypted echostr; POST: empty on success; empty on refusal (the reason is in `headers`). */
  body: string;
  contentType: string;
  /**
   * Further headers to set: `WeCom-Callback-Rejection` with the reason of a refusal (`bad_signature`, …);
   * `Allow` on a 405; `Connection: close` after a body that was not read to its end (413, 408, an aborted upload),
   * so the rest of it is never read.
   */
  headers?: Readonly<Record<string, string>>;
}
