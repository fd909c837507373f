/**
 * Internal constants of the callback pipeline (not exported from the package root).
 */

/** Key set to `true` in the Fastify route config of the built-in callback route (see the body parsers). */
export const CALLBACK_ROUTE_CONFIG_KEY = 'wecomBatchCallback';

/**
 * The reflect-metadata key Nest's FastifyAdapter reads a route's Fastify `config` from — what `@RouteConfig()`
 * of `@nestjs/platform-fastify` sets. Repeated here because the library does not depend on that package; the
 * key has been the same since Nest 8 (verified in Nest 11 and 12). Express ignores it.
 */
export const FASTIFY_ROUTE_CONFIG_METADATA = '__fastify_route_config__';

/** Injection token: whether the built-in callback controller is mounted (`registerCallbackController`). */
export const WECOM_CALLBACK_ROUTE_MOUNTED = Symbol('WECOM_CALLBACK_ROUTE_MOUNTED');

/** The `Content-Type` of every answer of the callback route (the echostr, an empty 200, an empty refusal). */
export const CALLBACK_TEXT_PLAIN = 'text/plain; charset=utf-8';

/** The header of a refusal that names its reason (`bad_signature`, `body_too_large`, …); a refusal has no body. */
export const CALLBACK_REJECTION_HEADER = 'WeCom-Callback-Rejection';
