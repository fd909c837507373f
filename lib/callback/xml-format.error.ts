/**
 * A piece of XML is not in the shape a parser accepts. Neutral on purpose: the parsers know nothing of HTTP, and
 * the callback service decides what a malformed envelope or event is answered with (a 400 rejection).
 *
 * The message names the problem and where it is (an offset), never the content: the input may be forged, or
 * decrypted.
 */
export class XmlFormatError extends Error {
  override readonly name = 'XmlFormatError';

  constructor(
    /** What is wrong, e.g. `attributes are not accepted (<A>)`. */
    readonly problem: string,
    /** Where the parser stopped, when the problem is at one place of the text. */
    readonly offset?: number,
  ) {
    // No stack trace: these are thrown for every malformed (often forged) delivery, never leave the callback
    // pipeline, and capturing a stack costs more than the parse.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(offset === undefined ? problem : `${problem} (at offset ${offset})`);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }
}
