// `nestjs-wecom-batch/testing`: a local WeCom simulator for the tests of apps that use the module.

export { WeComSimulator } from './wecom-simulator.facade.js';
export type {
  FailNextHttpOptions,
  FailNextOptions,
  HangNextOptions,
  ResetNextOptions,
  SimulatorAnswer,
  SimulatorResponder,
  TokenSettings,
} from './simulator-faults.types.js';
export { SIMULATOR_DEFAULTS } from './simulator.options.js';
export type { SimulatedCorpOptions, WeComSimulatorOptions } from './simulator.options.js';
export { SIMULATOR_ENDPOINTS } from './simulator.types.js';
export type {
  SimulatedConsoleCallback,
  SimulatedExportFile,
  SimulatedExportJob,
  SimulatedExportType,
  SimulatedTag,
  WithholdableExportField,
} from './simulator-export.types.js';
export type {
  CallbackDelivery,
  DownloadFaultKind,
  RawSimulatorRequest,
  SimulatedCallbackState,
  SimulatedDepartment,
  SimulatedDirectory,
  SimulatedInvitation,
  SimulatedJob,
  SimulatedMember,
  SimulatedPartyResultRow,
  SimulatedUpload,
  SimulatedUserResultRow,
  SimulatorEndpoint,
  SimulatorRequest,
} from './simulator.types.js';
export { UNASSIGNED_DEPARTMENT_NAME } from './directory-tree.util.js';
export { WeComSimulatorError } from './wecom-simulator.error.js';
