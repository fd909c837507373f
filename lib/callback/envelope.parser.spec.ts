import { describe, expect, it } from '@jest/globals';
import type { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { malformedXmlRejection } from './callback-rejections.service.js';
import type { WeComCallbackRequest } from './callback.types.js';
import { envelopeOf, readEnvelope, readEnvelopeAhead } from './envelope.parser.js';
import { XmlFormatError } from './xml-format.error.js';

const readEncryptedField = (body: string): string => readEnvelope(body).encrypt;

/** The parser's neutral error for `body`, as the callback service answers it. */
function rejection(body: string): WeComCallbackRejectedError {
  try {
    readEncryptedField(body);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlFormatError);
    return malformedXmlRejection(error as XmlFormatError, 'envelope');
  }
  throw new Error(`accepted: ${body}`);
}

describe('readEnvelope (the POST envelope)', () => {
  it('reads Encrypt and nothing else, with or without AgentID, in any order', () => {
    expect(
      readEncryptedField(
        '<xml><ToUserName><![CDATA[wx1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>',
      ),
    ).toBe('abc+/=');
    expect(
      readEncryptedField(
        '<?xml version="1.0"?>\n<xml>\n   <Encrypt>abc</Encrypt>\n   <ToUserName>wx</ToUserName>\n</xml>',
      ),
    ).toBe('abc');
  });

  it('reads envelopes with comments and attributes (skipped: only the signed Encrypt text matters)', () => {
    expect(readEncryptedField('<xml><!-- from a proxy --><Encrypt>abc</Encrypt></xml>')).toBe('abc');
    expect(readEncryptedField('<xml lang="zh"><Encrypt type="b64">\n  abc\n</Encrypt></xml>')).toBe('abc');
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE xml><xml><Encrypt>a</Encrypt></xml>'],
    ['a lower-case doctype', '<!doctype xml><xml><Encrypt>a</Encrypt></xml>'],
    ['an ENTITY declaration', '<xml><!ENTITY x "y"><Encrypt>a</Encrypt></xml>'],
    ['no xml root', '<root><Encrypt>a</Encrypt></root>'],
    ['no Encrypt', '<xml><ToUserName>a</ToUserName></xml>'],
    ['an empty Encrypt', '<xml><Encrypt></Encrypt></xml>'],
    ['two Encrypt elements', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['an Encrypt with children', '<xml><Encrypt><x>a</x></Encrypt></xml>'],
    ['JSON', '{"xml":{"Encrypt":"a"}}'],
  ])('refuses %s with malformed_envelope (400)', (_name, body) => {
    const error = rejection(body);
    expect([error.reason, error.status]).toEqual(['malformed_envelope', 400]);
  });

  it('skips attributes whose quoted values hold ">" or "/", in either quote style, and comments anywhere', () => {
    expect(readEncryptedField(`<xml a='1>2' b="x/y"><Encrypt c = "/>">abc</Encrypt><!-- <Encrypt> --></xml>`)).toBe(
      'abc',
    );
  });

  it.each([
    ['an unquoted attribute', '<xml a=1><Encrypt>a</Encrypt></xml>'],
    ['an attribute without a value', '<xml a><Encrypt>a</Encrypt></xml>'],
    ['"<" in an attribute value', '<xml a="<b>"><Encrypt>a</Encrypt></xml>'],
    ['an unterminated attribute value', '<xml a="1><Encrypt>a</Encrypt></xml>'],
    ['an unterminated comment', '<xml><!-- <Encrypt>a</Encrypt></xml>'],
    ['a processing instruction', '<xml><?pi x?><Encrypt>a</Encrypt></xml>'],
    ['mixed content', '<xml>text<Encrypt>a</Encrypt></xml>'],
    ['an unclosed root', '<xml><Encrypt>a</Encrypt>'],
    ['a duplicate sibling', '<xml><ToUserName>a</ToUserName><ToUserName>b</ToUserName><Encrypt>a</Encrypt></xml>'],
  ])('refuses %s (one strict pass: no second, lenient parse of a refused body)', (_name, body) => {
    const error = rejection(body);
    expect([error.reason, error.status]).toEqual(['malformed_envelope', 400]);
    expect(error.message).toMatch(/^malformed callback envelope: .+ \(at offset \d+\)$/);
  });

  it('refuses 4,086 empty siblings before Encrypt at the second one, without reading the rest', () => {
    const body = `<xml>${'<a/>'.repeat(4086)}<Encrypt>AAAA</Encrypt></xml>`;
    const error = rejection(body);
    expect(error.message).toBe('malformed callback envelope: <a> appears twice (at offset 13)');
  });
});

describe('readEnvelope — ToUserName, and the read ahead of the corp router', () => {
  const body = '<xml><ToUserName><![CDATA[wwnorth]]></ToUserName><Encrypt>abc</Encrypt></xml>';
  const request = (): WeComCallbackRequest => ({ method: 'POST', query: '', body });

  it('returns ToUserName as sent beside Encrypt, and undefined when it is absent or not text', () => {
    expect(readEnvelope(body)).toEqual({ encrypt: 'abc', toUserName: 'wwnorth' });
    expect(readEnvelope('<xml><Encrypt>abc</Encrypt></xml>').toUserName).toBeUndefined();
    expect(
      readEnvelope('<xml><ToUserName><a>x</a></ToUserName><Encrypt>abc</Encrypt></xml>').toUserName,
    ).toBeUndefined();
  });

  it('hands the envelope read ahead to the service of the same request: the same parse, used once', () => {
    const req = request();
    const ahead = readEnvelopeAhead(req, body);
    expect(envelopeOf(req, body)).toBe(ahead);
    // Used once: handled again, the request's body is parsed again (an equal result, a new object).
    const again = envelopeOf(req, body);
    expect(again).toEqual(ahead);
    expect(again).not.toBe(ahead);
    // Another request never sees it.
    const kept = readEnvelopeAhead(req, body);
    expect(envelopeOf(request(), body)).not.toBe(kept);
    expect(envelopeOf(req, body)).toBe(kept);
  });

  it('hands a refusal read ahead down as the same error, and parses again when the body text differs', () => {
    const req = request();
    expect(readEnvelopeAhead(req, '<xml><Encrypt></Encrypt></xml>')).toBeUndefined();
    let refused: unknown;
    try {
      envelopeOf(req, '<xml><Encrypt></Encrypt></xml>');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(XmlFormatError);
    // The read ahead saw other text (a caller that changed the body): it is not used.
    readEnvelopeAhead(req, '<xml><Encrypt></Encrypt></xml>');
    expect(envelopeOf(req, body)).toEqual({ encrypt: 'abc', toUserName: 'wwnorth' });
  });
});
