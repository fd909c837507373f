import { EXPORT_FILE_PREFIX } from './export-download.handler.js';
import type { RawSimulatorRequest, SimulatorEndpoint, SimulatorRequest } from './simulator.types.js';

/** Query parameters that carry secrets: shown as `'***'` by `requests()`. */
const SECRET_QUERY_KEYS = ['access_token', 'corpsecret'];
/** Callback settings keys that carry secrets (in `callback`, and in the SDK-bug `callbacks`). */
const SECRET_CALLBACK_KEYS = ['token', 'encodingaeskey'];

/**
 * Every request the simulator received, oldest first. Entries are kept as received; `requests()` hands out
 * redacted copies (safe to print in a failing test), `rawRequests()` unredacted ones for HTTP-client specs.
 */
export class RequestLog {
  private readonly entries: RawSimulatorRequest[] = [];

  /** Records a request; the returned entry is filled in (status, errcode, fault, corpId) as it is answered. */
  add(entry: RawSimulatorRequest): RawSimulatorRequest {
    this.entries.push(entry);
    return entry;
  }

  /**
   * Redacted copies: `access_token`, `corpsecret`, callback secrets, `encoding_aeskey` and export file paths
   * appear as `'***'`.
   */
  requests(endpoint?: SimulatorEndpoint): SimulatorRequest[] {
    return this.select(endpoint).map((raw) => {
      const { url: _url, headers: _headers, bodyBytes: _bytes, accessToken: _token, ...entry } = raw;
      const copy = structuredClone(entry);
      copy.query = redactQuery(copy.query);
      // A file URL is a capability (no token needed): its path is as secret as an access_token.
      if (copy.endpoint === 'export-file') copy.path = `${EXPORT_FILE_PREFIX}***`;
      if (copy.body && typeof copy.body === 'object') copy.body = redactBody(copy.body as Record<string, unknown>);
      return copy;
    });
  }

  /** Unredacted copies, with the request target, headers and body bytes as received. */
  rawRequests(endpoint?: SimulatorEndpoint): RawSimulatorRequest[] {
    return this.select(endpoint).map(copyRaw);
  }

  private select(endpoint?: SimulatorEndpoint): RawSimulatorRequest[] {
    return endpoint === undefined ? this.entries : this.entries.filter((r) => r.endpoint === endpoint);
  }
}

/** A deep copy of a raw entry (its body bytes included), so callers cannot change the log. */
export function copyRaw({ bodyBytes, ...entry }: RawSimulatorRequest): RawSimulatorRequest {
  return { ...structuredClone(entry), bodyBytes: Buffer.from(bodyBytes) };
}

function redactQuery(query: Record<string, string>): Record<string, string> {
  const copy = { ...query };
  for (const key of SECRET_QUERY_KEYS) if (key in copy) copy[key] = '***';
  return copy;
}

function redactBody(body: Record<string, unknown>): Record<string, unknown> {
  // The export key decrypts the directory's files.
  if ('encoding_aeskey' in body) body.encoding_aeskey = '***';
  for (const key of ['callback', 'callbacks']) {
    const cb = body[key];
    if (cb && typeof cb === 'object') {
      for (const secret of SECRET_CALLBACK_KEYS) {
        if (secret in cb) (cb as Record<string, unknown>)[secret] = '***';
      }
    }
  }
  return body;
}
