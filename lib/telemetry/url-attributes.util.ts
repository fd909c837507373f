import type { TelemetryAttributes } from './otel.types.js';

/** Query parameters whose values are credentials: replaced by `REDACTED`, as the HTTP conventions ask. */
const CREDENTIAL_PARAMS = new Set(['access_token', 'corpsecret']);

/**
 * The HTTP client attributes of a WeCom request (`http.request.method`, `url.full` with every credential value
 * replaced by `REDACTED`, `server.address`, `server.port`, `url.template`).
 * @param baseUrl the module's `apiBaseUrl` (no trailing slash, no `/cgi-bin`)
 */
export function requestAttributes(
  method: string,
  baseUrl: string,
  endpoint: string,
  query: URLSearchParams,
): TelemetryAttributes {
  const safe = new URLSearchParams();
  for (const [name, value] of query) safe.append(name, CREDENTIAL_PARAMS.has(name.toLowerCase()) ? 'REDACTED' : value);
  const text = safe.toString();
  const attributes: TelemetryAttributes = { 'http.request.method': method, 'url.template': `/cgi-bin/${endpoint}` };
  let base: string;
  try {
    const url = new URL(baseUrl);
    // Without the userinfo of a proxy URL (`https://user:password@proxy`): url.full must not carry credentials.
    base = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
    attributes['server.address'] = url.hostname;
    attributes['server.port'] = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  } catch {
    // apiBaseUrl is validated at bootstrap; an unparsable one just goes without server.* attributes.
    base = baseUrl.replace(/\/\/[^/@]*@/, '//');
  }
  attributes['url.full'] = `${base}/cgi-bin/${endpoint}${text ? `?${text}` : ''}`;
  return attributes;
}
