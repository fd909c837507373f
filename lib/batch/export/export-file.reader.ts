import { JSONParser } from '@streamparser/json';
import { yieldToEventLoop } from '../../internal/backoff.util.js';
import type { ExportJobType } from '../../model/batch-job.types.js';
import { decryptExportSlices, ExportDecryptError } from './export-file.cipher.js';
import { EXPORT_DOCUMENTS, ExportRowError } from './export-row.mapper.js';
import type { ExportRow } from './export-rows.types.js';

/** Why a verified file cannot be read: `decrypt` (padding) or `json` (syntax, shape, a bad row). */
export class ExportParseError extends Error {
  constructor(
    readonly problem: 'decrypt' | 'json',
    message: string,
  ) {
    super(message);
  }
}

/** Work done between two turns of the event loop: well under the 50 ms an app may stall at most. */
const SLICE_BUDGET_MS = 8;
/** A file without a single row is parsed whole to check its shape only while it is this small. */
const EMPTY_DOCUMENT_MAX_BYTES = 1 << 20;

/**
 * The rows of one verified (size + MD5) export file: the padding is checked first on the last 32 bytes, then
 * the file is decrypted in 64 KB slices, each fed to a streaming JSON parser (`@streamparser/json`, selecting
 * only the row arrays and dropping each row from the parser once emitted, so memory stays at one slice's rows),
 * and the event loop gets a turn every few milliseconds. Rows are mapped to the module's vocabulary as parsed.
 * @throws ExportParseError `decrypt` before any row; `json` as soon as the text stops being the announced document
 */
export async function* readExportRows(
  ciphertext: Buffer,
  key: Buffer,
  jobType: ExportJobType,
): AsyncGenerator<ExportRow> {
  const shape = EXPORT_DOCUMENTS[jobType];
  let slices: Generator<Buffer>;
  try {
    slices = decryptExportSlices(ciphertext, key);
  } catch (error) {
    throw asParseError(error);
  }
  const parser = new JSONParser({
    paths: ['$.tagname', ...shape.arrays.map((array) => `$.${array}.*`)],
    keepStack: false,
  });
  let pending: ExportRow[] = [];
  let tagName: string | undefined;
  let rowsSeen = 0;
  parser.onValue = ({ value, key: index, stack }) => {
    const array = stack[1]?.key;
    if (stack.length === 1 && index === 'tagname') {
      if (typeof value === 'string') tagName = value;
      return;
    }
    if (stack.length !== 2 || typeof index !== 'number' || typeof array !== 'string') {
      throw new ExportRowError(`${String(array ?? index)} is not an array`);
    }
    rowsSeen++;
    pending.push(shape.map(array, value, tagName));
  };
  let first = true;
  let small: Buffer[] | undefined = [];
  let smallBytes = 0;
  let sliceStart = performance.now();
  try {
    for (let plain of slices) {
      if (first) {
        plain = withoutBom(plain);
        checkRoot(plain);
        first = false;
      }
      if (small) {
        smallBytes += plain.length;
        if (smallBytes <= EMPTY_DOCUMENT_MAX_BYTES) small.push(plain);
        else small = undefined;
      }
      parser.write(plain);
      if (pending.length > 0) {
        const batch = pending;
        pending = [];
        yield* batch;
      }
      if (performance.now() - sliceStart > SLICE_BUDGET_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    if (first) throw new ExportRowError('the file decrypts to nothing');
    if (!parser.isEnded) parser.end();
  } catch (error) {
    throw asParseError(error);
  }
  if (pending.length > 0) yield* pending;
  if (rowsSeen === 0) checkEmptyDocument(small, shape.arrays);
}

function withoutBom(plain: Buffer): Buffer {
  return plain[0] === 0xef && plain[1] === 0xbb && plain[2] === 0xbf ? plain.subarray(3) : plain;
}

/** The document must be a JSON object: a bare array or value would parse but yield nothing. */
function checkRoot(plain: Buffer): void {
  for (const byte of plain) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    if (byte !== 0x7b) throw new ExportRowError('the document is not a JSON object');
    return;
  }
}

/** A document without rows: it must still have the announced array(s), e.g. `{"userlist":[]}`. */
function checkEmptyDocument(small: Buffer[] | undefined, arrays: readonly string[]): void {
  if (!small) throw new ExportParseError('json', `a large document without any ${arrays.join(' / ')} element`);
  let doc: unknown;
  try {
    doc = JSON.parse(withoutBom(Buffer.concat(small)).toString('utf8'));
  } catch (error) {
    throw asParseError(error);
  }
  const fields = doc as Record<string, unknown>;
  if (!arrays.some((array) => Array.isArray(fields[array]))) {
    throw new ExportParseError('json', `the document has no ${arrays.join(' / ')} array`);
  }
}

function asParseError(error: unknown): ExportParseError {
  if (error instanceof ExportParseError) return error;
  if (error instanceof ExportDecryptError) return new ExportParseError('decrypt', error.message);
  if (error instanceof ExportRowError) return new ExportParseError('json', error.message);
  // The parser's messages quote the unexpected character: keep positions and states, never the data.
  const message = (error instanceof Error ? error.message : String(error)).replace(/"(?!\d+")[^"]*"/g, '(…)');
  return new ExportParseError('json', `not valid JSON: ${message.slice(0, 200)}`);
}
