import { Inject, Injectable, Logger, type INestApplicationContext, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import { BatchService } from '../batch/batch.service.js';
import { WeComCallbackService } from '../callback/wecom-callback.service.js';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { errorName } from '../internal/safe-error.util.js';
import { WECOM_BATCH_RESOLVED_OPTIONS, WECOM_CORP_MODULE_FACTORY } from '../wecom-batch.internal-constants.js';
import type { ResolvedWeComBatchOptions, WeComCorpCredentials } from '../wecom-batch.options.js';
import { RegistrationGuard } from './registration-guard.service.js';
import { registrationLabel } from './registration.messages.js';
import type { CorpModuleFactory } from './registration.types.js';
import { UnknownCorps } from './unknown-corps.util.js';

/** One corp resolved at run time: its own Nest context (token manager, import slot, tracker, callback service). */
interface CorpContext {
  context: INestApplicationContext;
  batch: BatchService;
  callbacks: WeComCallbackService;
}

/** Why a delivery for a corp cannot be routed: not served (403), or no lookup possible right now (503). */
export type CorpLookupRefusal = { status: 403 | 503; reason: string };

/**
 * The corps of one registration: its own (`corpId`) and those `resolveCorp` finds at run time. Each resolved
 * corp gets a Nest application context of its own, built from the same providers as a registration (so it has
 * every service a registration has, and its lifecycle hooks run), sharing the registration's store and the
 * app's event emitter. Created once per corp (concurrent callers share the creation), kept until
 * {@link forget} or shutdown.
 *
 * Unknown corps are remembered for a minute ({@link UnknownCorps}), and lookups of corps never seen are
 * budgeted: a flood of deliveries with random CorpIDs costs a bounded number of `resolveCorp` calls.
 */
@Injectable()
export class CorpDirectory implements OnModuleDestroy {
  private readonly logger = new Logger('WeComCorpDirectory');
  private readonly contexts = new Map<string, Promise<CorpContext>>();
  private readonly unknown = new UnknownCorps();
  private closed = false;

  constructor(
    @Inject(WECOM_BATCH_RESOLVED_OPTIONS) private readonly home: ResolvedWeComBatchOptions,
    @Inject(WECOM_CORP_MODULE_FACTORY) private readonly factory: CorpModuleFactory,
    @Inject(RegistrationGuard) private readonly guard: RegistrationGuard,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  /** Whether this registration resolves corps at run time (`resolveCorp`). */
  get routesByCorp(): boolean {
    return this.factory.resolveCorp !== undefined;
  }

  /**
   * The `BatchService` of `corpId`, resolving its credentials on first use.
   * @throws WeComConfigError without `resolveCorp`, for a corp `resolveCorp` does not know, for invalid
   *   credentials, or for a corp another registration of the app serves
   */
  async batchFor(corpId: string): Promise<BatchService> {
    // From a resolved corp's service (`c.forCorp(home)`): the registration's own, never a second one.
    if (corpId === this.home.corpId) return this.moduleRef.get(BatchService);
    if (!this.routesByCorp) {
      throw new WeComConfigError(
        `forCorp('${corpId}'): ${registrationLabel(this.guard.info)} serves corp ${this.home.corpId} only. Add the ` +
          'resolveCorp option to serve corps looked up at run time, or inject the registration of that corp.',
      );
    }
    const other = this.guard.registrationOf(corpId);
    if (other) {
      throw new WeComConfigError(
        `forCorp('${corpId}'): corp ${corpId} is ${registrationLabel(other)} of this app; inject it ` +
          `(${other.name === undefined ? 'BatchService' : `@InjectBatchService('${other.name}')`}) instead — two ` +
          'services for one corp would complete its jobs twice.',
      );
    }
    const found = await this.open(corpId);
    if (found === undefined) {
      throw new WeComConfigError(`forCorp('${corpId}'): resolveCorp knows no corp ${corpId}`);
    }
    return found.batch;
  }

  /**
   * The callback service of `corpId` for a delivery routed by its `ToUserName`, or why it cannot be routed. Never
   * throws: an unknown corp, a failing resolver or bad credentials are a refusal (logged without secrets).
   */
  async callbacksFor(corpId: string): Promise<WeComCallbackService | CorpLookupRefusal> {
    if (this.guard.registrationOf(corpId)) {
      return { status: 403, reason: `corp ${corpId} is served by another registration's route` };
    }
    if (this.unknown.has(corpId))
      return { status: 403, reason: 'the delivery is for a corp this route does not serve' };
    if (!this.contexts.has(corpId) && !this.unknown.mayLookUp()) {
      return { status: 503, reason: 'too many deliveries for unknown corps; deliver again later' };
    }
    try {
      const found = await this.open(corpId);
      return found?.callbacks ?? { status: 403, reason: 'the delivery is for a corp this route does not serve' };
    } catch (error) {
      this.logger.warn(`corp ${corpId} could not be opened for a callback: ${errorName(error)}`);
      return { status: 503, reason: 'the corp could not be resolved; deliver again later' };
    }
  }

  /**
   * Forgets `corpId` (its credentials changed, or it left): its context is closed — its jobs stop being followed
   * here, their records stay in the store — and the next use resolves it again.
   */
  async forget(corpId: string): Promise<void> {
    this.unknown.delete(corpId);
    const pending = this.contexts.get(corpId);
    if (!pending) return;
    this.contexts.delete(corpId);
    await pending.then((corp) => corp.context.close()).catch(() => undefined);
  }

  /** Closes every resolved corp's context (its tracker and import slot let go of the store before it closes). */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const all = [...this.contexts.values()];
    this.contexts.clear();
    await Promise.all(all.map((pending) => pending.then((corp) => corp.context.close()).catch(() => undefined)));
  }

  /** The context of `corpId`, creating it once; `undefined` when the resolver does not know the corp. */
  private async open(corpId: string): Promise<CorpContext | undefined> {
    if (this.closed) throw new WeComConfigError('the module is shutting down');
    let pending = this.contexts.get(corpId);
    if (!pending) {
      const created = this.create(corpId);
      this.contexts.set(corpId, created);
      // A failed or empty lookup is not kept: the next call asks again (an unknown corp after the negative TTL).
      created.catch(() => {
        if (this.contexts.get(corpId) === created) this.contexts.delete(corpId);
      });
      pending = created;
    }
    try {
      return await pending;
    } catch (error) {
      if (error instanceof UnknownCorpSignal) return undefined;
      throw error;
    }
  }

  private async create(corpId: string): Promise<CorpContext> {
    const resolve = this.factory.resolveCorp as NonNullable<CorpModuleFactory['resolveCorp']>;
    const credentials = await resolve(corpId);
    if (credentials === undefined || credentials === null) {
      this.unknown.add(corpId);
      throw new UnknownCorpSignal();
    }
    if (typeof credentials !== 'object' || credentials.corpId !== corpId) {
      throw new WeComConfigError(
        `resolveCorp('${corpId}') returned credentials of another corp (or no corpId): it must return ` +
          `{ corpId: '${corpId}', corpSecret, … } or undefined`,
      );
    }
    const picked: WeComCorpCredentials = {
      corpId: credentials.corpId,
      corpSecret: credentials.corpSecret,
      ...(credentials.callback ? { callback: credentials.callback } : {}),
      ...(credentials.apiBaseUrl ? { apiBaseUrl: credentials.apiBaseUrl } : {}),
    };
    // A facade, not this service: Nest runs the lifecycle hooks of every provider value of the context, and
    // closing one corp must not shut the whole directory down.
    const facade = { batchFor: (id: string) => this.batchFor(id), forget: (id: string) => this.forget(id) };
    const context = await NestFactory.createApplicationContext(this.factory.create(picked, facade), {
      // Throw (a WeComConfigError naming the bad field) instead of exiting the process.
      abortOnError: false,
    });
    await context.init();
    if (this.closed) {
      await context.close();
      throw new WeComConfigError('the module is shutting down');
    }
    this.logger.log(`corp ${corpId} resolved for ${registrationLabel(this.guard.info)}`);
    return { context, batch: context.get(BatchService), callbacks: context.get(WeComCallbackService) };
  }
}

/** Internal: the resolver said `undefined` (kept out of the cache, remembered as unknown). */
class UnknownCorpSignal extends Error {}
