/**
 * Why a callback delivery was refused, and the status it got:
 * - `not_configured` (404): the module has no `callback` option, so there are no keys to verify with.
 * - `missing_parameters` (400): `msg_signature`, `timestamp`, `nonce` (and `echostr` on GET) absent or empty.
 * - `invalid_parameters` (400): a parameter given twice, a non-numeric `timestamp`, an overlong value.
 * - `unsupported_content_type` (400): a JSON/form/multipart body, or one another parser already consumed.
 * - `body_too_large` (413): over `callbackMaxBodyBytes`.
 * - `malformed_envelope` (400): empty body, not XML, a DOCTYPE/ENTITY declaration, no single `Encrypt`.
 * - `bad_signature` (401): `msg_signature` does not match (forged, or signed with another token).
 * - `stale_timestamp` (401): `timestamp` outside `±callbackReplayWindowSeconds` (past or future).
 * - `decrypt_failed` (401): bad base64, bad padding, bad length header (the official -400xx code in `detail`).
 * - `wrong_receiver` (401): the message is addressed to another CorpID (receiveId or `ToUserName`).
 * - `malformed_event` (400): the decrypted XML is not a valid `batch_job_result` (e.g. a non-numeric ErrCode).
 * - `store_unavailable` (503): the callback could not be recorded; WeCom delivers it again.
 * - `unexpected_echostr` (401): a GET whose decrypted echostr is not the short token WeCom sends (e.g. a captured
 *   POST's `Encrypt` replayed as a GET): nothing decrypted is answered.
 * - `url_verification_disabled` (403): a GET while `callbackUrlVerification` is off.
 * - `body_timeout` (408): the body did not arrive within `callbackBodyTimeoutMs`; the connection is closed.
 * - `body_unreadable` (400): the client went away (or the stream failed) before the body was complete.
 *
 * Vocabulary shared by the rejection error (errors/) and the rejection event (events/), so it sits below both.
 */
export type CallbackRejectionReason =
  | 'not_configured'
  | 'missing_parameters'
  | 'invalid_parameters'
  | 'unsupported_content_type'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'decrypt_failed'
  | 'wrong_receiver'
  | 'body_too_large'
  | 'malformed_envelope'
  | 'malformed_event'
  | 'store_unavailable'
  | 'unexpected_echostr'
  | 'url_verification_disabled'
  | 'body_timeout'
  | 'body_unreadable';
