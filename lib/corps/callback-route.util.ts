import type { ModuleRef } from '@nestjs/core';

/** The global prefix as the app set it (`app.setGlobalPrefix`), with its excluded routes. */
export interface GlobalPrefix {
  prefix: string;
  /** Whether `path` (with a leading slash) is excluded from the prefix. */
  excludes(path: string): boolean;
}

interface ApplicationConfigLike {
  getGlobalPrefix(): string;
  getGlobalPrefixOptions?(): { exclude?: Array<{ pathRegex?: RegExp }> };
}

/**
 * Reads the app's global prefix. Nest does not expose its `ApplicationConfig` as a provider, so it is read from
 * the container behind a `ModuleRef` (`moduleRef.container.applicationConfig`, the same object since Nest 8;
 * checked on Nest 11 and 12). `undefined` when this Nest does not have it: the route check is then skipped.
 * Call it from a lifecycle hook: `setGlobalPrefix` runs after the module was built, before `init()`.
 */
export function readGlobalPrefix(moduleRef: ModuleRef): GlobalPrefix | undefined {
  const config = (moduleRef as unknown as { container?: { applicationConfig?: ApplicationConfigLike } }).container
    ?.applicationConfig;
  if (typeof config?.getGlobalPrefix !== 'function') return undefined;
  const prefix = config.getGlobalPrefix() ?? '';
  const exclude = config.getGlobalPrefixOptions?.().exclude ?? [];
  return {
    prefix,
    excludes: (path) => exclude.some((route) => route.pathRegex instanceof RegExp && route.pathRegex.test(path)),
  };
}

/** `/a/b` from any of `a/b`, `/a//b/`, `a/b/` (how Nest joins a prefix and a controller path). */
export function normalizePath(path: string): string {
  const joined = path
    .split('/')
    .filter((part) => part.length > 0)
    .join('/');
  return `/${joined}`;
}

/** The path the route is mounted on: global prefix (unless excluded) + `callbackPath`. */
export function mountedPath(routePath: string, prefix: GlobalPrefix | undefined): string {
  const route = normalizePath(routePath);
  if (!prefix || prefix.prefix === '' || prefix.excludes(route)) return route;
  return normalizePath(`${prefix.prefix}/${route}`);
}

/** The path of `callback.url` (`undefined` for an unparsable URL: the options validation refuses those). */
export function callbackUrlPath(url: string): string | undefined {
  try {
    return normalizePath(decodeURI(new URL(url).pathname));
  } catch {
    return undefined;
  }
}
