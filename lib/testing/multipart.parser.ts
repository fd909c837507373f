/** One part of a `multipart/form-data` body. */
export interface MultipartPart {
  /** The `name` parameter of its Content-Disposition. */
  name: string;
  /** The `filename` (or RFC 5987 `filename*`) parameter, when the part is a file. */
  filename?: string;
  /** Its Content-Type header, when given. */
  contentType?: string;
  data: Buffer;
}

/**
 * Parses a `multipart/form-data` body (RFC 7578) as leniently as WeCom does. Undici's `formData()` rejects
 * WeCom's own documented upload example (`name="media";filename="wework.txt"; filelength=6` — no space after
 * the `;` and a non-standard `filelength` parameter), so a simulator built on it would refuse requests the
 * real service accepts. Returns `undefined` when the body is not a readable multipart body.
 */
export function parseMultipart(contentType: string | undefined, body: Buffer): MultipartPart[] | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');

  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  const parts: MultipartPart[] = [];
  for (;;) {
    position += delimiter.length;
    if (body[position] === 0x2d && body[position + 1] === 0x2d) return parts; // closing `--boundary--`
    position = skipLineBreak(body, position);
    if (position < 0) return undefined;
    const headerEnd = findHeaderEnd(body, position);
    if (!headerEnd) return undefined;
    const headers = parseHeaders(body.subarray(position, headerEnd.at).toString('utf8'));
    const dataStart = headerEnd.at + headerEnd.length;
    const next = findNextDelimiter(body, delimiter, dataStart);
    if (!next) return undefined;
    const disposition = headers.get('content-disposition');
    if (disposition) {
      const params = parseDispositionParams(disposition);
      const name = params.get('name');
      if (name !== undefined) {
        parts.push({
          name,
          filename: params.get('filename*') ?? params.get('filename'),
          contentType: headers.get('content-type'),
          data: body.subarray(dataStart, next.dataEnd),
        });
      }
    }
    position = next.delimiterAt;
  }
}

function skipLineBreak(body: Buffer, at: number): number {
  // Transport padding (spaces/tabs) may follow the delimiter before the line break.
  while (body[at] === 0x20 || body[at] === 0x09) at++;
  if (body[at] === 0x0d && body[at + 1] === 0x0a) return at + 2;
  if (body[at] === 0x0a) return at + 1;
  return -1;
}

function findHeaderEnd(body: Buffer, from: number): { at: number; length: number } | undefined {
  // A part with no headers at all starts directly with its blank line.
  if (body[from] === 0x0d && body[from + 1] === 0x0a) return { at: from, length: 2 };
  if (body[from] === 0x0a) return { at: from, length: 1 };
  const crlf = body.indexOf('\r\n\r\n', from, 'latin1');
  const lf = body.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

function findNextDelimiter(
  body: Buffer,
  delimiter: Buffer,
  from: number,
): { dataEnd: number; delimiterAt: number } | undefined {
  let search = from;
  for (;;) {
    const at = body.indexOf(delimiter, search);
    if (at < 0) return undefined;
    // The line break before a delimiter belongs to the delimiter, not to the data.
    if (at >= from + 2 && body[at - 2] === 0x0d && body[at - 1] === 0x0a) return { dataEnd: at - 2, delimiterAt: at };
    if (at >= from + 1 && body[at - 1] === 0x0a) return { dataEnd: at - 1, delimiterAt: at };
    if (at === from) return { dataEnd: at, delimiterAt: at };
    search = at + 1;
  }
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function parseDispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  // Splits on `;` outside double quotes; tolerates a missing space after `;`.
  const pattern = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let m = pattern.exec(value); m; m = pattern.exec(value)) {
    const key = m[1].toLowerCase();
    let param = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3].trim();
    if (key.endsWith('*')) {
      const ext = /^([^']*)'[^']*'(.*)$/.exec(param);
      if (ext) {
        try {
          param = decodeURIComponent(ext[2]);
        } catch {
          continue;
        }
      }
    }
    params.set(key, param);
  }
  return params;
}
