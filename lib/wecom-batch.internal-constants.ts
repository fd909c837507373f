/**
 * Injection tokens used inside the module. Not exported from the package root: users inject
 * classes (`BatchService`, `WeComCallbackService`), never these tokens.
 */

/** The options after defaults were applied and validated (`ResolvedWeComBatchOptions`). */
export const WECOM_BATCH_RESOLVED_OPTIONS = Symbol('WECOM_BATCH_RESOLVED_OPTIONS');

/** The `WeComBatchStore` in use (the user's, or a `MemoryStore`). */
export const WECOM_BATCH_STORE = Symbol('WECOM_BATCH_STORE');

/** The module's own axios-backed `HttpService` (never the app's shared one). */
export const WECOM_BATCH_HTTP = Symbol('WECOM_BATCH_HTTP');

/** The app's `EventEmitter2`, checked at bootstrap (a named error when `EventEmitterModule.forRoot()` is missing). */
export const WECOM_BATCH_EMITTER = Symbol('WECOM_BATCH_EMITTER');

/** The `JobResultFetcher` the job tracker polls and fetches rows with. */
export const WECOM_BATCH_RESULT_FETCHER = Symbol('WECOM_BATCH_RESULT_FETCHER');

/** This registration's identity (`WeComRegistrationInfo` of `lib/corps/`), checked against the others at bootstrap. */
export const WECOM_BATCH_REGISTRATION = Symbol('WECOM_BATCH_REGISTRATION');

/**
 * The registration's corps resolved at run time (`resolveCorp`), behind `BatchService.forCorp()`; optional: a
 * corp context resolved for `forCorp` gets the same one, a registration without `resolveCorp` a directory that
 * only knows its own corp.
 */
export const WECOM_CORP_DIRECTORY = Symbol('WECOM_CORP_DIRECTORY');

/**
 * Optional hook of `WeComCallbackService`: routes a delivery by the envelope's `ToUserName` (CorpID) to the
 * callback service of a corp resolved at run time. Present only on a registration with `resolveCorp`.
 */
export const WECOM_CALLBACK_ROUTER = Symbol('WECOM_CALLBACK_ROUTER');

/**
 * How a registration builds the Nest module of one corp resolved at run time (the module root supplies it, so
 * `lib/corps/` needs no import of the module's providers list).
 */
export const WECOM_CORP_MODULE_FACTORY = Symbol('WECOM_CORP_MODULE_FACTORY');
