import type { DynamicModule } from '@nestjs/common';
import type { WeComBatchModuleOptions, WeComCorpCredentials } from '../wecom-batch.options.js';

/** What the bootstrap guards know of one registration (`forRoot` / `forRootAsync`) — never a secret. */
export interface WeComRegistrationInfo {
  /** The `name` extra (`undefined`: the unnamed registration). */
  name?: string;
  corpId: string;
  /** SHA-256 of the corp secret: tells two registrations of one corp apart without keeping the secret. */
  secretHash: string;
  isGlobal: boolean;
  /** The mounted callback route relative to the global prefix (`undefined`: no built-in controller). */
  routePath?: string;
  /** `callback.url`, when callbacks are configured. */
  callbackUrl?: string;
  /** The app said a proxy rewrites the callback URL's path (`callbackUrlRewritten`). */
  callbackUrlRewritten: boolean;
}

/**
 * How a registration builds the Nest module of one corp resolved at run time. Supplied by the module root (which
 * owns the providers list), so a resolved corp gets exactly the services a registration has.
 */
export interface CorpModuleFactory {
  /** The registration's `resolveCorp` option. */
  readonly resolveCorp?: WeComBatchModuleOptions['resolveCorp'];
  /** The module of `credentials`' corp: the registration's options with the corp's credentials, store and emitter. */
  create(credentials: WeComCorpCredentials, directory: object): DynamicModule;
}
