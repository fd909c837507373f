import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { malformedXmlRejection } from './callback-rejections.service.js';
import { parseStrictXml } from './strict-xml.parser.js';
import { XmlFormatError } from './xml-format.error.js';

const VECTOR_D_MSG =
  '<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1425284517</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4]]></JobId><JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>';

/** The message of the rejection the callback service answers a decrypted event `xml` with. */
function refusal(xml: string): string {
  try {
    parseStrictXml(xml);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlFormatError);
    const rejection = malformedXmlRejection(error as XmlFormatError, 'event');
    expect([rejection.reason, rejection.status]).toEqual(['malformed_event', 400]);
    return rejection.message;
  }
  throw new Error(`accepted: ${xml}`);
}

describe('parseStrictXml', () => {
  it('reads vector D (the batch_job_result layout) into plain strings', () => {
    const { root, value } = parseStrictXml(VECTOR_D_MSG);
    expect(root).toBe('xml');
    expect({ ...(value as object), BatchJob: { ...((value as { BatchJob: object }).BatchJob as object) } }).toEqual({
      ToUserName: 'wx5823bf96d3bd56c7',
      FromUserName: 'sys',
      CreateTime: '1425284517',
      MsgType: 'event',
      Event: 'batch_job_result',
      BatchJob: {
        JobId: 'S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4',
        JobType: 'sync_user',
        ErrCode: '0',
        ErrMsg: 'ok',
      },
    });
  });

  it('accepts an XML declaration, whitespace and newlines between elements, self-closing elements', () => {
    const { value } = parseStrictXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <A><![CDATA[a]]></A>\n  <B/>\n  <C>  7 </C>\n</xml>\n',
    );
    expect({ ...(value as object) }).toEqual({ A: 'a', B: '', C: '  7 ' });
  });

  it('decodes the predefined entities and character references in text, keeps CDATA verbatim', () => {
    const { value } = parseStrictXml(
      '<xml><A>a &amp; b &lt;c&gt; &#20013;&#x6587;</A><B><![CDATA[&amp; <x>]]></B></xml>',
    );
    expect({ ...(value as object) }).toEqual({ A: 'a & b <c> 中文', B: '&amp; <x>' });
  });

  it('refuses an element named __proto__, and keeps constructor/toString as ordinary own keys', () => {
    expect(refusal('<xml><__proto__><polluted>1</polluted></__proto__></xml>')).toContain('reserved element name');
    const { value } = parseStrictXml('<xml><constructor>y</constructor><toString>z</toString></xml>');
    expect(Object.getOwnPropertyNames(value)).toEqual(['constructor', 'toString']);
    expect((value as Record<string, string>).constructor).toBe('y');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><A>&x;</A></xml>'],
    ['an ENTITY declaration inside', '<xml><!ENTITY x "y"><A>1</A></xml>'],
    ['an unknown entity', '<xml><A>&x;</A></xml>'],
    ['an external entity reference', '<xml><A>&xxe;</A></xml>'],
    ['a comment', '<xml><!-- hi --><A>1</A></xml>'],
    ['a processing instruction inside', '<xml><?php echo 1 ?><A>1</A></xml>'],
    ['attributes', '<xml><A b="1">1</A></xml>'],
    ['a duplicate element', '<xml><A>1</A><A>2</A></xml>'],
    ['mixed content', '<xml>text<A>1</A></xml>'],
    ['a mismatched closing tag', '<xml><A>1</B></xml>'],
    ['an unclosed element', '<xml><A>1</A>'],
    ['an unterminated CDATA', '<xml><A><![CDATA[1</A></xml>'],
    ['two roots', '<xml></xml><xml></xml>'],
    ['text outside the root', '<xml></xml>tail'],
    ['nesting deeper than 4 levels', '<a><b><c><d><e>1</e></d></c></b></a>'],
    ['not XML', 'hello'],
    ['empty input', ''],
    ['a lone surrogate reference', '<xml><A>&#xD800;</A></xml>'],
    ['"]]>" in text', '<xml><A>a]]>b</A></xml>'],
  ])('refuses %s', (_name, xml) => {
    expect(refusal(xml)).toMatch(/^the decrypted event is not well-formed: /);
  });

  it('never puts the content into its error messages', () => {
    expect(refusal('<xml><Secret>TOPSECRETVALUE</Secret><Secret>x</Secret></xml>')).not.toContain('TOPSECRETVALUE');
  });

  it('arbitrary input either parses or fails with the typed error — nothing else escapes', () => {
    const xmlish = fc.string({
      unit: fc.constantFrom('<', '>', '/', '!', '?', '[', ']', '&', ';', '#', 'x', 'a', ' ', '"', '=', 'CDATA['),
      maxLength: 60,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), xmlish), (input) => {
        try {
          parseStrictXml(input);
        } catch (error) {
          expect(error).toBeInstanceOf(XmlFormatError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('with tolerateCommentsAndAttributes, skips comments and attributes and refuses the rest alike', () => {
    const tolerant = { tolerateCommentsAndAttributes: true };
    const { value } = parseStrictXml('<xml a="1"><!-- c --><A b=\'2\'>xy</A><B c="3"><!-- e --></B></xml>', tolerant);
    expect({ ...(value as object) }).toEqual({ A: 'xy', B: '' });
    for (const xml of [
      '<!DOCTYPE x><xml/>',
      '<xml><!ENTITY x "y"></xml>',
      '<xml><A>&x;</A></xml>',
      '<xml><?p?></xml>',
      // Text another parser could read differently: a comment inside it, or several parts.
      '<xml><A>x<!-- d -->y</A></xml>',
      '<xml><A><!-- d -->xy</A></xml>',
      '<xml><A><![CDATA[x]]><![CDATA[y]]></A></xml>',
      '<xml><A>x<![CDATA[y]]></A></xml>',
    ]) {
      expect(() => parseStrictXml(xml, tolerant)).toThrow(XmlFormatError);
    }
  });

  it('arbitrary input in tolerant mode either parses or fails with the typed error', () => {
    const xmlish = fc.string({
      unit: fc.constantFrom('<', '>', '/', '!', '--', '?', '"', "'", '=', ' ', 'a', 'x', 'CDATA[', '&'),
      maxLength: 60,
    });
    fc.assert(
      fc.property(xmlish, (input) => {
        try {
          parseStrictXml(input, { tolerateCommentsAndAttributes: true });
        } catch (error) {
          expect(error).toBeInstanceOf(XmlFormatError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with fast-xml-parser on generated flat and nested WeCom-style documents', () => {
    const name = fc.stringMatching(/^[A-Z][A-Za-z]{0,8}$/);
    const text = fc.string({ unit: fc.constantFrom(...'abc XYZ 0123 中文 _-.,:'.split('')), maxLength: 20 });
    const reference = new XMLParser({
      processEntities: false,
      parseTagValue: false,
      trimValues: false,
      ignoreAttributes: true,
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(name, fc.oneof(text, fc.uniqueArray(fc.tuple(name, text), { selector: (t) => t[0], maxLength: 4 }))),
          {
            selector: (t) => t[0],
            minLength: 1,
            maxLength: 8,
          },
        ),
        (entries) => {
          const xml = `<xml>${entries
            .map(([n, v]) =>
              typeof v === 'string'
                ? `<${n}><![CDATA[${v}]]></${n}>`
                : `<${n}>${v.map(([cn, cv]) => `<${cn}><![CDATA[${cv}]]></${cn}>`).join('')}</${n}>`,
            )
            .join('')}</xml>`;
          const ours = JSON.parse(JSON.stringify(parseStrictXml(xml).value));
          const theirs = (reference.parse(xml) as { xml: Record<string, unknown> }).xml;
          // fast-xml-parser turns an element with no children and no text into ''; so do we.
          expect(ours).toEqual(normalize(theirs));
        },
      ),
      { numRuns: 500 },
    );
  });
});

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (Object.keys(value).length === 0) return '';
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
}
