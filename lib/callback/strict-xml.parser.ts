import { XmlFormatError } from './xml-format.error.js';

/** An element's value: its text, or its child elements by name. */
export type XmlValue = string | XmlElements;

/** Child elements by name (a plain object; an element named `__proto__` is refused). */
export interface XmlElements {
  [name: string]: XmlValue;
}

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const MAX_DEPTH = 4;
const LT = 60;
const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
/** What ends an attribute name: whitespace, `=`, `>`, `/`, `<`, quotes (and the end of the text: NaN). */
const ATTRIBUTE_NAME_END = new Set([32, 10, 13, 9, EQUALS, GT, SLASH, LT, DOUBLE_QUOTE, SINGLE_QUOTE, NaN]);

/** How much of XML's syntax beyond WeCom's own output is read rather than refused. */
export interface StrictXmlOptions {
  /**
   * Skip comments and attributes instead of refusing them. For the unauthenticated POST envelope only, where a
   * proxy or an SDK may add them and only the signed `Encrypt` text matters; the decrypted event stays strict.
   * @default false
   */
  tolerateCommentsAndAttributes?: boolean;
}

/**
 * A strict parser for the small, flat XML WeCom sends: the POST envelope
 * (`<xml><ToUserName/><Encrypt><![CDATA[…]]></Encrypt><AgentID/></xml>`) and the decrypted event
 * (`<xml><MsgType><![CDATA[event]]></MsgType>…<BatchJob><JobId>…</JobId></BatchJob></xml>`). Several times
 * faster than a general parser, which matters on the callback's hot path.
 *
 * Accepted: an optional `<?xml …?>` declaration, elements without attributes, text (with the five predefined
 * entities and character references) and CDATA sections, child elements up to 4 levels. Refused with an
 * error: DOCTYPE and any other declaration (so no entity can be defined: XXE-safe by construction), comments,
 * processing instructions, attributes, unknown entities, mixed content, duplicate sibling names, anything
 * after the root element. With `tolerateCommentsAndAttributes`, comments and attributes are skipped instead.
 *
 * A single pass over the text, linear in its length: it runs before the signature check, on forged input too.
 *
 * @throws XmlFormatError naming the problem and its offset, never the content.
 */
export function parseStrictXml(text: string, options: StrictXmlOptions = {}): { root: string; value: XmlValue } {
  return new StrictXmlReader(text, options.tolerateCommentsAndAttributes === true).document();
}

/** One parse: a cursor over `text`. A class rather than closures, so nothing is allocated per call but the result. */
class StrictXmlReader {
  private i = 0;
  /** Name of the element `element()` just read (saves allocating a [name, value] pair per element). */
  private name = '';

  constructor(
    private readonly text: string,
    private readonly tolerant: boolean,
  ) {}

  document(): { root: string; value: XmlValue } {
    const text = this.text;
    this.skipWhitespace();
    if (text.startsWith('<?xml', this.i)) {
      const end = text.indexOf('?>', this.i);
      if (end < 0) this.fail('unterminated XML declaration');
      this.i = end + 2;
      this.skipWhitespace();
    }
    const next = text.charCodeAt(this.i + 1);
    if (text.charCodeAt(this.i) === LT && next === BANG && !text.startsWith('<!--', this.i)) {
      this.fail('DOCTYPE/ENTITY declarations are not accepted');
    }
    if (text.charCodeAt(this.i) !== LT || next === BANG || next === QUESTION) this.fail('expected the root element');
    const value = this.element(0);
    const root = this.name;
    this.skipWhitespace();
    if (this.i !== text.length) this.fail('content after the root element');
    return { root, value };
  }

  private element(depth: number): XmlValue {
    const text = this.text;
    this.i++; // '<'
    const name = this.readName();
    this.skipWhitespace();
    if (this.tolerant) this.skipAttributes();
    if (text.charCodeAt(this.i) === SLASH && text.charCodeAt(this.i + 1) === GT) {
      this.i += 2;
      this.name = name;
      return '';
    }
    if (text.charCodeAt(this.i) !== GT) this.fail(`attributes are not accepted (<${name}>)`);
    this.i++;
    let value = '';
    let hasText = false;
    /** Text parts (runs of text, CDATA sections): WeCom writes one; several are a smuggling attempt. */
    let textParts = 0;
    let sawComment = false;
    let children: XmlElements | undefined;
    for (;;) {
      const lt = text.indexOf('<', this.i);
      if (lt < 0) this.fail(`<${name}> is not closed`);
      if (lt > this.i) {
        const raw = text.slice(this.i, lt);
        if (!isWhitespace(raw)) {
          hasText = true;
          textParts++;
          value += decodeText(raw, (problem) => this.fail(problem));
        } else if (children === undefined) {
          value += raw;
        }
      }
      this.i = lt;
      const next = text.charCodeAt(lt + 1);
      if (next === SLASH) {
        this.i += 2;
        if (this.readName() !== name) this.fail(`mismatched closing tag for <${name}>`);
        this.skipWhitespace();
        if (text.charCodeAt(this.i) !== GT) this.fail(`malformed closing tag for <${name}>`);
        this.i++;
        this.name = name;
        if (children === undefined) {
          // `<Encrypt>AAA<!---->BBB</Encrypt>`, `<![CDATA[AAA]]><![CDATA[BBB]]>`: other parsers (a WAF, a log
          // pipeline) may read only the first part. One text part per element, and no comment inside text.
          if (textParts > 1) this.fail(`the text of <${name}> is split into several parts`);
          if (sawComment && hasText) this.fail(`a comment inside the text of <${name}>`);
          return value;
        }
        if (hasText) this.fail(`<${name}> mixes text and elements`);
        return children;
      }
      if (next === BANG) {
        if (this.tolerant && text.startsWith('<!--', lt)) {
          const end = text.indexOf('-->', lt + 4);
          if (end < 0) this.fail('unterminated comment');
          this.i = end + 3;
          sawComment = true;
          continue;
        }
        if (!text.startsWith('<![CDATA[', lt)) this.fail('DOCTYPE/ENTITY declarations and comments are not accepted');
        const end = text.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        value += text.slice(lt + 9, end);
        hasText = true;
        textParts++;
        this.i = end + 3;
        continue;
      }
      if (next === QUESTION) this.fail('processing instructions are not accepted');
      if (depth + 1 >= MAX_DEPTH) this.fail('elements are nested too deeply');
      const childValue = this.element(depth + 1);
      const childName = this.name;
      children ??= {};
      if (Object.prototype.hasOwnProperty.call(children, childName)) this.fail(`<${childName}> appears twice`);
      children[childName] = childValue;
    }
  }

  /** An element name: a letter or '_', then letters, digits, '_', '-', '.'. `__proto__` is refused. */
  private readName(): string {
    const text = this.text;
    const start = this.i;
    let c = text.charCodeAt(this.i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) this.fail('expected an element name');
    do {
      this.i++;
      c = text.charCodeAt(this.i);
    } while ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46);
    const name = text.slice(start, this.i);
    // Results are plain objects (fast properties); this is the one name that would not be a plain key there.
    if (name === '__proto__') this.fail('reserved element name');
    return name;
  }

  /**
   * Tolerant mode: skips `name="value"` / `name='value'` pairs up to the end of the start tag. Values are not
   * decoded (nothing reads them); a `<` in one is refused, as XML does.
   */
  private skipAttributes(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === GT || (c === SLASH && text.charCodeAt(this.i + 1) === GT)) return;
      const start = this.i;
      while (this.i < text.length && !ATTRIBUTE_NAME_END.has(text.charCodeAt(this.i))) this.i++;
      if (this.i === start) this.fail('malformed attribute');
      this.skipWhitespace();
      if (text.charCodeAt(this.i) !== EQUALS) this.fail('attribute without a value');
      this.i++;
      this.skipWhitespace();
      const quote = text.charCodeAt(this.i);
      if (quote !== DOUBLE_QUOTE && quote !== SINGLE_QUOTE) this.fail('unquoted attribute value');
      const end = text.indexOf(quote === DOUBLE_QUOTE ? '"' : "'", this.i + 1);
      if (end < 0) this.fail('unterminated attribute value');
      if (text.lastIndexOf('<', end) > this.i) this.fail('"<" in an attribute value');
      this.i = end + 1;
      this.skipWhitespace();
    }
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      this.i++;
    }
  }

  private fail(problem: string): never {
    throw new XmlFormatError(problem, this.i);
  }
}

function isWhitespace(raw: string): boolean {
  for (let k = 0; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

function decodeText(raw: string, fail: (problem: string) => never): string {
  if (raw.includes(']]>')) fail('"]]>" outside a CDATA section');
  if (!raw.includes('&')) return raw;
  const decoded = raw.replace(ENTITY, (_match, named: string | undefined, dec?: string, hex?: string) => {
    if (named) return NAMED[named];
    const code = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) fail('invalid character reference');
    return String.fromCodePoint(code);
  });
  // Anything left that starts with '&' was not one of the entities above (external or undeclared).
  if (raw.replace(ENTITY, '').indexOf('&') >= 0) fail('unknown entity reference');
  return decoded;
}
