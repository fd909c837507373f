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
