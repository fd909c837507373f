// The public API of nestjs-wecom-batch. Everything users may import is listed here explicitly;
// injection tokens and helpers stay internal.

export { WeComBatchModule } from './wecom-batch.module.js';
export {
  InjectBatchService,
  InjectWeComCallbackService,
  getBatchServiceToken,
  getWeComCallbackServiceToken,
} from './corps/registration-tokens.util.js';
export type { WeComBatchModuleExtras, WeComBatchOptionsFactory } from './wecom-batch.module-definition.js';
export type {
  WeComBatchModuleOptions,
  WeComCallbackKeyPair,
  WeComCallbackOptions,
  WeComCorpCredentials,
  WeComPollingOptions,
  WeComRetryOptions,
} from './wecom-batch.options.js';
export { DEFAULT_API_BASE_URL, DEFAULT_CALLBACK_PATH } from './wecom-batch.constants.js';

export { BatchService } from './batch/batch.service.js';
export type { InviteRequest, WaitOptions } from './batch/batch.service.js';
export type { DepartmentSource, MemberImportOptions, MemberSource } from './batch/submission/import-source.types.js';
export { BatchJob } from './batch/batch-job.handle.js';
export type { BatchJobPart } from './batch/batch-job.handle.js';
export { ExportJob } from './batch/export/export-job.handle.js';
export type { PendingExportJob } from './batch/export/export-job.handle.js';
export { WITHHELD_MEMBER_FIELDS } from './batch/export/export-rows.types.js';
export type {
  DepartmentIdEntry,
  ExportedDepartment,
  ExportedMember,
  ExportedSimpleMember,
  ExportedTagEntry,
  ExportFileInfo,
  ExportJobResult,
  ExportOptions,
  ExportRow,
  ExportRowByType,
  UserIdEntry,
} from './batch/export/export-rows.types.js';
export { renderDirectoryPlan } from './batch/mirror/plan-render.util.js';
export type { RenderPlanOptions } from './batch/mirror/plan-render.util.js';
export { MIRROR_DEFAULTS } from './batch/mirror/mirror-options.types.js';
export type {
  ApplyPlanOptions,
  MirrorDirectoryOptions,
  MirrorGuardOptions,
  MirrorJobResult,
  MirrorResult,
  PlanDirectoryOptions,
} from './batch/mirror/mirror-options.types.js';
export type {
  DeletionGuardPrediction,
  DepartmentCreate,
  DepartmentDelete,
  DepartmentMove,
  DepartmentPlan,
  DepartmentUpdate,
  DesiredDirectory,
  DirectoryDrift,
  DirectoryFingerprint,
  DirectoryPlan,
  FieldChange,
  MemberCreate,
  MemberDelete,
  MemberMove,
  MemberPlan,
  MemberUpdate,
  NotComparedField,
  PlanSection,
  PlanStrategy,
  PlanValue,
  UnknownDepartment,
} from './batch/mirror/mirror-plan.types.js';
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
export { WeComBatchHealthIndicator } from './health/wecom-batch-health.indicator.js';
export type { WeComBatchHealthDetails, WeComBatchHealthResult } from './health/wecom-batch-health.indicator.js';
export type { TokenHealth } from './health/token-health.probe.js';
export type { WeComCallbackQuery, WeComCallbackRequest, WeComCallbackResponse } from './callback/callback.types.js';

export { WECOM_BATCH_EVENTS } from './events/wecom-batch.events.js';
export type { WeComBatchEventName } from './events/wecom-batch.events.js';
export { BatchJobSubmittedEvent } from './events/batch-job-submitted.event.js';
export { BatchJobCompletedEvent } from './events/batch-job-completed.event.js';
export { BatchRunCompletedEvent } from './events/batch-run-completed.event.js';
export type {
  BatchExportJobCompletedEvent,
  BatchPartyJobCompletedEvent,
  BatchUserJobCompletedEvent,
} from './events/batch-job-completed.event.js';
export { CallbackRejectedEvent } from './events/callback-rejected.event.js';
export { MirrorPlannedEvent } from './events/mirror-planned.event.js';
export type { MirrorCounts } from './events/mirror-planned.event.js';
export { MirrorAppliedEvent } from './events/mirror-applied.event.js';
export type { CallbackRejectionReason } from './model/callback-rejection.types.js';
export { BATCH_JOB_TYPES, EXPORT_JOB_TYPES } from './model/batch-job.types.js';
export type {
  ExportJobType,
  TrackedJobType,
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
export type {
  RedisConnectionOptions,
  RedisStoreClient,
  RedisStoreOptions,
  RedisStoreTarget,
} from './stores/redis.store.js';
export type {
  JobCallbackInfo,
  JobCompletionInfo,
  JobExportInfo,
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
export { WeComFileTooLargeError } from './errors/wecom-file-too-large.error.js';
export { WeComSyncRunError } from './errors/wecom-sync-run.error.js';
export type { WeComSyncRunPart } from './errors/wecom-sync-run.error.js';
export { WeComExportFileError } from './errors/wecom-export-file.error.js';
export type { WeComExportFileProblem } from './errors/wecom-export-file.error.js';
export { WeComExportFailedError } from './errors/wecom-export-failed.error.js';
export { WeComExportUnavailableError } from './errors/wecom-export-unavailable.error.js';
export { WeComDetailReadRestrictedError } from './errors/wecom-detail-read-restricted.error.js';
export { WeComMirrorGuardError } from './errors/wecom-mirror-guard.error.js';
export type { MirrorGuardViolation } from './errors/wecom-mirror-guard.error.js';
export { WeComMirrorStalePlanError } from './errors/wecom-mirror-stale-plan.error.js';
export type { StalePlanAspect } from './errors/wecom-mirror-stale-plan.error.js';
