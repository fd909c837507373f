import { XMLParser } from 'fast-xml-parser';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { parseStrictXml } from './strict-xml.parser.js';

/**
 * Any markup declaration other than CDATA or a comment: DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION.
 * Refused before parsing, so no entity (internal, external or recursive: XXE, billion laughs) is ever seen
 * by a parser, whatever its options.
 */
const DECLARATION = /<!(?!\[CDATA\[|--)/;

// Built once: entity processing off (belt and braces with the check above), nothing but element text kept.
const lenientParser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
  // No jPath strings built per tag: nothing here uses them, and they are a third of the parse time.
  jPath: false,
});

/**
 * Reads the `Encrypt` element of a POSTed callback envelope
 * (`<xml><ToUserName/><AgentID/><Encrypt>…</Encrypt></xml>`). Only `Encrypt` is read: the outer `ToUserName`
 * and `AgentID` are unauthenticated, and the decrypted message says who it is for.
 *
 * DOCTYPE/ENTITY declarations are refused first. WeCom's own envelopes then go through the strict parser (the
 * hot path); anything it does not accept (attributes, comments, duplicates…) gets one more chance with
 * fast-xml-parser (entity processing off), so a harmless variation is read rather than refused.
 *
 * @throws WeComCallbackRejectedError `malformed_envelope` (400) for anything that is not such an envelope.
 */
export function readEncryptedField(body: string): string {
  if (DECLARATION.test(body)) {
    throw malformed('DOCTYPE/ENTITY declarations are not accepted');
  }
  let root: unknown;
  try {
    const strict = parseStrictXml(body, 'envelope');
    root = strict.root === 'xml' ? strict.value : undefined;
  } catch {
    root = lenientRoot(body);
  }
  if (root === null || typeof root !== 'object') throw malformed('no <xml> root element');
  const encrypt = (root as { Encrypt?: unknown }).Encrypt;
  if (typeof encrypt !== 'string' || encrypt.trim().length === 0) {
    throw malformed(
      Array.isArray(encrypt) ? 'more than one <Encrypt> element' : 'no <Encrypt> element with a text value',
    );
  }
  // The strict parser keeps text verbatim; base64 never has surrounding whitespace.
  return encrypt.trim();
}

function lenientRoot(body: string): unknown {
  let document: unknown;
  try {
    document = lenientParser.parse(body);
  } catch {
    throw malformed('the body is not well-formed XML');
  }
  return (document as { xml?: unknown } | null)?.xml;
}

function malformed(message: string): WeComCallbackRejectedError {
  return new WeComCallbackRejectedError('malformed_envelope', 400, `malformed callback envelope: ${message}`);
}
