import { BatchImportHandler } from './batch-import.handler.js';
import { CallbackDeliverer } from './callback-deliverer.service.js';
import { CorpRegistry } from './corp-registry.service.js';
import { DirectoryReadHandler } from './directory-read.handler.js';
import { ExportDownloads } from './export-download.handler.js';
import { ExportRunner } from './export-runner.service.js';
import { ExportHandler } from './export.handler.js';
import { FaultInjector } from './fault-injector.service.js';
import { InviteHandler } from './invite.handler.js';
import { JobResultHandler } from './job-result.handler.js';
import { JobRunner } from './job-runner.service.js';
import { MediaHandler } from './media.handler.js';
import { RequestLog } from './request-log.store.js';
import type { ResolvedSimulatorOptions } from './simulator.options.js';
import { SimulatorRouter } from './simulator.router.js';
import { SimulatorServer } from './simulator.server.js';
import { TokenHandler } from './token.handler.js';

/** The simulator's parts, wired together once (the facade only delegates to them). */
export interface SimulatorParts {
  options: ResolvedSimulatorOptions;
  faults: FaultInjector;
  log: RequestLog;
  corps: CorpRegistry;
  deliverer: CallbackDeliverer;
  runner: JobRunner;
  exportRunner: ExportRunner;
  exports: ExportHandler;
  downloads: ExportDownloads;
  tokens: TokenHandler;
  router: SimulatorRouter;
  server: SimulatorServer;
}

/** Builds the parts for `options`; `now` is the simulated clock and `closed` tells whether close() was called. */
export function wireSimulator(
  options: ResolvedSimulatorOptions,
  now: () => number,
  closed: () => boolean,
): SimulatorParts {
  const faults = new FaultInjector();
  const log = new RequestLog();
  const corps = new CorpRegistry(options.corps);
  const deliverer = new CallbackDeliverer({
    timeoutMs: options.callbackTimeoutMs,
    retries: options.callbackRetries,
    retryDelayMs: options.callbackRetryDelayMs,
    clock: now,
  });
  const runner = new JobRunner({ jobDelayMs: options.jobDelayMs, now, closed }, faults, deliverer);
  const exportRunner = new ExportRunner(
    { delayMs: options.jobDelayMs, now, closed, tagJobType: options.tagExportJobType },
    faults,
    deliverer,
  );
  const downloads = new ExportDownloads({ ttlMs: options.exportUrlTtlMs, now }, faults);
  const exports = new ExportHandler(now, faults, exportRunner, downloads);
  const tokens = new TokenHandler(corps, options.tokenTtlSeconds, now);
  // The router builds file URLs on the server's address, known once it listens.
  const late: { server?: SimulatorServer } = {};
  const router = new SimulatorRouter({
    tokens,
    media: new MediaHandler(options.mediaTtlMs, now),
    imports: new BatchImportHandler({ deletionGuard: options.deletionGuard, now }, faults, runner),
    results: new JobResultHandler(runner),
    invites: new InviteHandler(now),
    exports,
    reads: new DirectoryReadHandler(now),
    baseUrl: () => late.server?.baseUrl ?? '',
  });
  const server = new SimulatorServer(router, faults, log, now, downloads);
  late.server = server;
  return { options, faults, log, corps, deliverer, runner, exportRunner, exports, downloads, tokens, router, server };
}
