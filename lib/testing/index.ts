// `nestjs-wecom-batch/testing`: a local WeCom simulator for the tests of apps that use the module.

export { WeComSimulator } from './wecom-simulator.js';
export type { FailNextHttpOptions, FailNextOptions, ResetNextOptions } from './wecom-simulator.js';
export { SIMULATOR_DEFAULTS } from './simulator.options.js';
export type { SimulatedCorpOptions, WeComSimulatorOptions } from './simulator.options.js';
export { SIMULATOR_ENDPOINTS } from './simulator.types.js';
export type {
  CallbackDelivery,
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
export { UNASSIGNED_DEPARTMENT_NAME } from './simulated-directory.js';
export { WeComSimulatorError } from './wecom-simulator.error.js';
