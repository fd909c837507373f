import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { WeComConfigError } from '../errors/wecom-config.error.js';
import { WECOM_BATCH_REGISTRATION } from '../wecom-batch.internal-constants.js';
import {
  callbackUrlPath,
  mountedPath,
  normalizePath,
  readGlobalPrefix,
  type GlobalPrefix,
} from './callback-route.util.js';
import {
  registrationLabel,
  routeMismatchMessage,
  sameCorpTwiceMessage,
  sameRouteMessage,
  twoGlobalUnnamedMessage,
} from './registration.messages.js';
import type { WeComRegistrationInfo } from './registration.types.js';

/**
 * The registrations of each app, keyed by the app's `ModulesContainer` (one per Nest application or testing
 * module): two apps in one process — two instances of a cluster test — are separate, never a conflict.
 */
const REGISTRATIONS = new WeakMap<ModulesContainer, Set<RegistrationGuard>>();

/**
 * The bootstrap guards of a registration, each a `WeComConfigError` that says what to change. When a registration
 * is built it is checked against those built before it in the same app (the same corp twice, two unnamed global
 * registrations, two routes on one path); in `onModuleInit` — after `app.setGlobalPrefix()`, before any job is
 * followed (`onApplicationBootstrap`) — its route against the path of `callback.url`.
 */
@Injectable()
export class RegistrationGuard implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('WeComBatchRegistrations');
  private readonly peers: Set<RegistrationGuard>;

  constructor(
    @Inject(WECOM_BATCH_REGISTRATION) readonly info: WeComRegistrationInfo,
    @Inject(ModulesContainer) modules: ModulesContainer,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    let peers = REGISTRATIONS.get(modules);
    if (!peers) REGISTRATIONS.set(modules, (peers = new Set()));
    // Checked as each registration is built (every pair once: the later one checks the earlier), before Nest
    // registers the routes — Fastify would otherwise fail first, with a bare "duplicated route" error.
    for (const peer of peers) this.checkAgainst(peer.info);
    peers.add(this);
    this.peers = peers;
  }

  /** The other registration of this app that serves `corpId` as its own corp, if any. */
  registrationOf(corpId: string): WeComRegistrationInfo | undefined {
    for (const peer of this.peers) if (peer !== this && peer.info.corpId === corpId) return peer.info;
    return undefined;
  }

  /** The route against `callback.url`: after `app.setGlobalPrefix()`, which runs once the modules are built. */
  onModuleInit(): void {
    this.checkRoute(readGlobalPrefix(this.moduleRef));
  }

  onModuleDestroy(): void {
    this.peers.delete(this);
  }

  private checkAgainst(other: WeComRegistrationInfo): void {
    const [a, b] = ordered(this.info, other);
    if (a.corpId === b.corpId && a.secretHash === b.secretHash) throw new WeComConfigError(sameCorpTwiceMessage(a, b));
    if (a.isGlobal && b.isGlobal && a.name === undefined && b.name === undefined) {
      throw new WeComConfigError(twoGlobalUnnamedMessage(a, b));
    }
    // Both routes get the same global prefix, so equal paths without it are equal routes.
    if (a.routePath !== undefined && b.routePath !== undefined) {
      const path = normalizePath(a.routePath);
      if (path === normalizePath(b.routePath)) throw new WeComConfigError(sameRouteMessage(a, b, path));
    }
  }

  private checkRoute(prefix: GlobalPrefix | undefined): void {
    const { routePath, callbackUrl, callbackUrlRewritten } = this.info;
    if (routePath === undefined || callbackUrl === undefined || callbackUrlRewritten) return;
    if (prefix === undefined) {
      this.logger.debug(`${registrationLabel(this.info)}: the global prefix is unknown; callback route not checked`);
      return;
    }
    const mounted = mountedPath(routePath, prefix);
    const urlPath = callbackUrlPath(callbackUrl);
    if (urlPath !== undefined && urlPath !== mounted) {
      throw new WeComConfigError(routeMismatchMessage(this.info, mounted, urlPath));
    }
  }
}

/** The pair in a stable order (unnamed first, then by name), so both registrations word a conflict alike. */
function ordered(x: WeComRegistrationInfo, y: WeComRegistrationInfo): [WeComRegistrationInfo, WeComRegistrationInfo] {
  return (x.name ?? '') <= (y.name ?? '') ? [x, y] : [y, x];
}
