import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';

/** An element's value: its text, or its child elements by name. */
export type XmlValue = string | XmlElements;

/** Child elements by name (a null-prototype object: names like `__proto__` are plain keys). */
export interface XmlElements {
  [name: string]: XmlValue;
}

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const MAX_DEPTH = 4;
const LT = 60;
const GT = 62;

/**
 * A strict parser for the small, flat XML of a decrypted WeCom event
 * (`<xml><MsgType><![CDATA[event]]></MsgType>…<BatchJob><JobId>…</JobId></BatchJob></xml>`), several times
 * faster than a general parser on the callback's hot path.
 *
 * Accepted: an optional `<?xml …?>` declaration, elements without attributes, text (with the five predefined
 * entities and character references) and CDATA sections, child elements up to 4 levels. Refused with an
 * error: DOCTYPE and any other declaration, comments, processing instructions, attributes, unknown
 * entities, mixed content, duplicate sibling names, anything after the root element.
 *
 * @throws WeComCallbackRejectedError `malformed_event` (400); the message names the problem, never the content.
 */
export function parseEventXml(text: string): { root: string; value: XmlValue } {
  let i = 0;

  const fail = (problem: string): never => {
    throw new WeComCallbackRejectedError(
      'malformed_event',
      400,
      `the decrypted event is not well-formed: ${problem} (at offset ${i})`,
    );
  };
  const skipWhitespace = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      i++;
    }
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const match = NAME.exec(text);
    if (match === null) return fail('expected an element name');
    i = NAME.lastIndex;
    return match[0];
  };
  const element = (depth: number): [string, XmlValue] => {
    i++; // '<'
    const name = readName();
    skipWhitespace();
    if (text.startsWith('/>', i)) {
      i += 2;
      return [name, ''];
    }
    if (text.charCodeAt(i) !== GT) fail(`attributes are not accepted (<${name}>)`);
    i++;
    let value = '';
    let hasText = false;
    let children: XmlElements | undefined;
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) fail(`<${name}> is not closed`);
      if (lt > i) {
        const raw = text.slice(i, lt);
        value += decodeText(raw, fail);
        if (!hasText && raw.trim() !== '') hasText = true;
      }
      i = lt;
      const next = text.charCodeAt(i + 1);
      if (next === 47 /* / */) {
        i += 2;
        if (readName() !== name) fail(`mismatched closing tag for <${name}>`);
        skipWhitespace();
        if (text.charCodeAt(i) !== GT) fail(`malformed closing tag for <${name}>`);
        i++;
        if (children === undefined) return [name, value];
        if (hasText) fail(`<${name}> mixes text and elements`);
        return [name, children];
      }
      if (next === 33 /* ! */) {
        if (!text.startsWith('<![CDATA[', i)) fail('declarations and comments are not accepted');
        const end = text.indexOf(']]>', i + 9);
        if (end < 0) fail('unterminated CDATA section');
        value += text.slice(i + 9, end);
        hasText = true;
        i = end + 3;
        continue;
      }
      if (next === 63 /* ? */) fail('processing instructions are not accepted');
      if (depth + 1 >= MAX_DEPTH) fail('elements are nested too deeply');
      const [childName, childValue] = element(depth + 1);
      children ??= Object.create(null) as XmlElements;
      if (Object.prototype.hasOwnProperty.call(children, childName)) fail(`<${childName}> appears twice`);
      children[childName] = childValue;
    }
  };

  skipWhitespace();
  if (text.startsWith('<?xml', i)) {
    const end = text.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
    skipWhitespace();
  }
  if (text.charCodeAt(i) !== LT || text.charCodeAt(i + 1) === 33 || text.charCodeAt(i + 1) === 63) {
    fail('expected the root element');
  }
  const [root, value] = element(0);
  skipWhitespace();
  if (i !== text.length) fail('content after the root element');
  return { root, value };
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
