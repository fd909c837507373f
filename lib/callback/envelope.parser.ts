import { XMLParser } from 'fast-xml-parser';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';

/**
 * Any markup declaration other than CDATA or a comment: DOCTYPE, ENTITY, ELEMENT, ATTLIST, NOTATION.
 * Refused before parsing, so no entity (internal, external or recursive: XXE, billion laughs) is ever seen
 * by the parser, whatever its options.
 */
const DECLARATION = /<!(?!\[CDATA\[|--)/;

// Built once: entity processing off (belt and braces with the check above), nothing but element text kept.
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
});

/**
 * Reads the `Encrypt` element of a POSTed callback envelope
 * (`<xml><ToUserName/><AgentID/><Encrypt>…</Encrypt></xml>`). Only `Encrypt` is read: the outer `ToUserName`
 * and `AgentID` are unauthenticated, and the decrypted message says who it is for.
 *
 * @throws WeComCallbackRejectedError `malformed_envelope` (400) for anything that is not such an envelope.
 */
export function readEncryptedField(body: string): string {
  if (DECLARATION.test(body)) {
    throw malformed('DOCTYPE/ENTITY declarations are not accepted');
  }
  let document: unknown;
  try {
    document = parser.parse(body);
  } catch {
    throw malformed('the body is not well-formed XML');
  }
  const root = (document as { xml?: unknown } | null)?.xml;
  if (root === null || typeof root !== 'object') throw malformed('no <xml> root element');
  const encrypt = (root as { Encrypt?: unknown }).Encrypt;
  if (typeof encrypt !== 'string' || encrypt.length === 0) {
    throw malformed(
      Array.isArray(encrypt) ? 'more than one <Encrypt> element' : 'no <Encrypt> element with a text value',
    );
  }
  return encrypt;
}

function malformed(message: string): WeComCallbackRejectedError {
  return new WeComCallbackRejectedError('malformed_envelope', 400, `malformed callback envelope: ${message}`);
}
