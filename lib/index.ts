// The public API of nestjs-wecom-batch. Everything users may import is listed here explicitly;
// injection tokens and helpers stay internal.

export { WeComBatchModule } from './wecom-batch.module.js';
export type { WeComBatchModuleExtras, WeComBatchOptionsFactory } from './wecom-batch.module-definition.js';
export type {
  ResolvedWeComBatchOptions,
  WeComBatchModuleOptions,
  WeComCallbackOptions,
  WeComPollingOptions,
  WeComRetryOptions,
} from './wecom-batch.options.js';
export { DEFAULT_API_BASE_URL, DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';

export { BatchService } from './batch/batch.service.js';
export type {
  DepartmentSource,
  InviteRequest,
  MemberImportOptions,
  MemberSource,
  WaitOptions,
} from './batch/batch.service.js';
export { BatchJob } from './batch/batch-job.js';
export type { InviteResult } from './batch/batch-api.js';
export type { BatchJobProgress } from './batch/batch-result.types.js';
export { MemberRow } from './batch/rows/member-row.js';
export type { MemberGender } from './batch/rows/member-row.js';
export { DepartmentRow } from './batch/rows/department-row.js';
export { validateDepartmentRows, validateMemberRows } from './batch/rows/validate-rows.js';
export type { RowCheckOptions } from './batch/rows/validate-rows.js';
export { buildMemberCsv, writeMemberCsv } from './batch/csv/member-csv.js';
export { buildDepartmentCsv, writeDepartmentCsv } from './batch/csv/department-csv.js';
export type { CsvBuildOptions, CsvBuildResult } from './batch/csv/csv-build.js';
export { DEPARTMENT_CSV_HEADERS, MEMBER_CSV_HEADERS } from './batch/csv/csv-headers.js';

export { WeComCrypto } from './callback/wecom-crypto.js';
export type { WeComCryptoOptions, WeComDecrypted } from './callback/wecom-crypto.js';
export { WeComCallbackService } from './callback/wecom-callback.service.js';
export type {
  WeComCallbackQuery,
  WeComCallbackRequest,
  WeComCallbackResponse,
} from './callback/wecom-callback.service.js';

export { WECOM_BATCH_EVENTS } from './events/wecom-batch.events.js';
export type { WeComBatchEventName } from './events/wecom-batch.events.js';
export { BatchJobSubmittedEvent } from './events/batch-job-submitted.event.js';
export { BatchJobCompletedEvent } from './events/batch-job-completed.event.js';
export type { BatchJobCompletionSource } from './events/batch-job-completed.event.js';
export { CallbackRejectedEvent } from './events/callback-rejected.event.js';
export type { CallbackRejectionReason } from './events/callback-rejected.event.js';
export { BATCH_JOB_TYPES } from './model/batch-job.types.js';
export type {
  BatchJobResult,
  BatchJobStatus,
  BatchJobType,
  BatchPartyActions,
  BatchPartyResultRow,
  BatchResultRow,
  BatchUserResultRow,
} from './model/batch-job.types.js';

export { MemoryStore } from './stores/memory.store.js';
export type { MemoryStoreOptions } from './stores/memory.store.js';
export { RedisStore } from './stores/redis.store.js';
export type { RedisStoreOptions } from './stores/redis.store.js';
export type {
  JobCallbackInfo,
  JobCompletionInfo,
  JobRecord,
  TokenRecord,
  WeComBatchStore,
} from './stores/wecom-batch-store.interface.js';

export { WeComBatchError } from './errors/wecom-batch.error.js';
export { WeComApiError } from './errors/wecom-api.error.js';
export type { WeComApiErrorKind } from './errors/wecom-api.error.js';
export { WeComConfigError } from './errors/wecom-config.error.js';
export type { WeComConfigProblem } from './errors/wecom-config.error.js';
export { WeComRowValidationError } from './errors/wecom-row-validation.error.js';
export type { WeComRowProblem } from './errors/wecom-row-validation.error.js';
export { WeComCryptoError, WECOM_CRYPTO_ERROR_CODES } from './errors/wecom-crypto.error.js';
export type { WeComCryptoErrorCode } from './errors/wecom-crypto.error.js';
export { WeComStoreError } from './errors/wecom-store.error.js';
export { WeComImportBusyError } from './errors/wecom-import-busy.error.js';
export { WeComInvalidRequestError } from './errors/wecom-invalid-request.error.js';
export { WeComJobTimeoutError } from './errors/wecom-job-timeout.error.js';
export { WeComLockTimeoutError } from './errors/wecom-lock-timeout.error.js';
export { WeComSubmissionUncertainError } from './errors/wecom-submission-uncertain.error.js';
