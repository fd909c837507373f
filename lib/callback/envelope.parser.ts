import type { WeComCallbackRequest } from './callback.types.js';
import { parseStrictXml } from './strict-xml.parser.js';
import { XmlFormatError } from './xml-format.error.js';

/** What the POST envelope says in clear: the signed `Encrypt`, and the unauthenticated `ToUserName`. */
export interface CallbackEnvelope {
  /** The `Encrypt` text (base64), trimmed: what the signature covers. */
  readonly encrypt: string;
  /** `ToUserName` as sent (unauthenticated: a routing hint only), or `undefined` when absent or not text. */
  readonly toUserName: string | undefined;
}

/**
 * Reads a POSTed callback envelope (`<xml><ToUserName/><AgentID/><Encrypt>…</Encrypt></xml>`). Only `Encrypt`
 * counts: the outer `ToUserName` and `AgentID` are unauthenticated (the decrypted message says who it is for);
 * `ToUserName` is returned for the corp router of a registration with `resolveCorp`, which only routes by it.
 *
 * One parse, by the strict parser with comments and attributes skipped (a harmless variation a proxy may add):
 * this runs before the signature is checked, so a forged body must cost one linear pass and nothing more —
 * no second, lenient parse of whatever the strict one refused, and no pre-scan either. DOCTYPE, ENTITY and every
 * other declaration are refused by that parse wherever they stand (it knows no entity but the five predefined
 * ones, so nothing is ever expanded: XXE and billion laughs cannot happen). A pre-scan for `<!` was dropped: on
 * the probe's body of 4,086 `<a/>` the string search alone cost 8× the parse that refuses it.
 *
 * @throws XmlFormatError for anything that is not such an envelope (the service answers `malformed_envelope`).
 */
export function readEnvelope(body: string): CallbackEnvelope {
  const { root, value } = parseStrictXml(body, { tolerateCommentsAndAttributes: true });
  if (root !== 'xml' || typeof value !== 'object') throw new XmlFormatError('no <xml> root element');
  const encrypt = value.Encrypt;
  if (typeof encrypt !== 'string' || encrypt.trim().length === 0) {
    // Two <Encrypt> elements never get here: the parser refuses duplicate siblings.
    throw new XmlFormatError('no <Encrypt> element with a text value');
  }
  const to = value.ToUserName;
  // The parser keeps text verbatim; base64 never has surrounding whitespace.
  return { encrypt: encrypt.trim(), toUserName: typeof to === 'string' ? to : undefined };
}

/**
 * Envelopes read ahead of the callback service, by request: the corp router (`resolveCorp`) reads `ToUserName`
 * before the service that will handle the delivery — its registration's or another corp's — reads `Encrypt`, and
 * both use the same parse, so an unverified body is parsed once. A WeakMap, not a field on the request: the
 * public request type and the caller's object stay untouched, and an entry goes with its request.
 */
const readAhead = new WeakMap<WeComCallbackRequest, { text: string; outcome: CallbackEnvelope | XmlFormatError }>();

/**
 * Reads the envelope of `request` (its body as the service reads it, `text`) ahead of the service that will
 * handle it, and keeps the outcome — the envelope, or why it is none — for that service's {@link envelopeOf}.
 * `undefined` when the body is not an envelope (that service then answers why, from the same parse).
 */
export function readEnvelopeAhead(request: WeComCallbackRequest, text: string): CallbackEnvelope | undefined {
  let outcome: CallbackEnvelope | XmlFormatError;
  try {
    outcome = readEnvelope(text);
  } catch (error) {
    if (!(error instanceof XmlFormatError)) throw error;
    outcome = error;
  }
  readAhead.set(request, { text, outcome });
  return outcome instanceof XmlFormatError ? undefined : outcome;
}

/**
 * The envelope of `request`: the one read ahead for it when that read saw the same body text (used once), else
 * read now.
 * @throws XmlFormatError for anything that is not an envelope
 */
export function envelopeOf(request: WeComCallbackRequest, text: string): CallbackEnvelope {
  const ahead = readAhead.get(request);
  if (ahead === undefined) return readEnvelope(text);
  readAhead.delete(request);
  if (ahead.text !== text) return readEnvelope(text);
  if (ahead.outcome instanceof XmlFormatError) throw ahead.outcome;
  return ahead.outcome;
}
