// The public API of nestjs-wecom-batch. Everything users may import is listed here explicitly;
// injection tokens and helpers stay internal.

export { WeComBatchModule } from './wecom-batch.module.js';
export type { WeComBatchModuleExtras, WeComBatchOptionsFactory } from './wecom-batch.module-definition.js';
export type {
  WeComBatchModuleOptions,
  WeComCallbackOptions,
  WeComPollingOptions,
  WeComRetryOptions,
} from './wecom-batch.options.js';
export { DEFAULT_API_BASE_URL, DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';

export { BatchService } from './batch/batch.service.js';
export type { InviteRequest, WaitOptions } from './batch/batch.service.js';
export type { DepartmentSource, MemberImportOptions, MemberSource } from './batch/submission/import-source.types.js';
export { BatchJob } from './batch/batch-job.handle.js';
export type { InviteResult } from './batch/api/batch-api.service.js';
export type { BatchJobProgress } from './batch/tracking/tracking.types.js';
export { MemberRow } from './batch/rows/member-row.dto.js';
export type { MemberGender } from './batch/rows/member-row.dto.js';
export { DepartmentRow } from './batch/rows/department-row.dto.js';
export { validateDepartmentRows, validateMemberRows } from './batch/rows/validate-rows.util.js';
export type { RowCheckOptions } from './batch/rows/validate-rows.util.js';
export { buildMemberCsv, writeMemberCsv } from './batch/csv/member-csv.writer.js';
export { buildDepartmentCsv, writeDepartmentCsv } from './batch/csv/department-csv.writer.js';
export type { CsvBuildOptions, CsvBuildResult } from './batch/csv/csv-build.util.js';
export { DEPARTMENT_CSV_HEADERS } from './batch/template/department-template.columns.js';
export { MEMBER_CSV_HEADERS } from './batch/template/member-template.columns.js';

export { WeComCrypto } from './callback/wecom-crypto.service.js';
export type { WeComCryptoOptions, WeComDecrypted } from './callback/wecom-crypto.service.js';
export { WeComCallbackService } from './callback/wecom-callback.service.js';
export type { WeComCallbackQuery, WeComCallbackRequest, WeComCallbackResponse } from './callback/callback.types.js';

export { WECOM_BATCH_EVENTS } from './events/wecom-batch.events.js';
export type { WeComBatchEventName } from './events/wecom-batch.events.js';
export { BatchJobSubmittedEvent } from './events/batch-job-submitted.event.js';
export { BatchJobCompletedEvent } from './events/batch-job-completed.event.js';
export { CallbackRejectedEvent } from './events/callback-rejected.event.js';
export type { CallbackRejectionReason } from './model/callback-rejection.types.js';
export { BATCH_JOB_TYPES } from './model/batch-job.types.js';
export type {
  BatchJobCompletionSource,
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
export { WeComSubmissionUncertainError } from './errors/wecom-submission-uncertain.error.js';
