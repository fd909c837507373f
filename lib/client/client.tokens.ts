/**
 * Injection tokens of the WeCom client's collaborators that are not classes of their own. The token manager and
 * the retry policy are provided under their classes (`AccessTokenManager`, `RetryPolicy`).
 */

/**
 * The `Redactor` of the module's WeCom client: scrubs the corp secret and every access token the client fetched
 * from error messages and causes. One instance per module, shared by the token manager (which tells it each new
 * token) and the HTTP exchanges (which scrub with it).
 */
export const WECOM_CLIENT_REDACTOR = Symbol('WECOM_CLIENT_REDACTOR');
