import type { ModuleRef } from '@nestjs/core';

/** The part of Terminus's `HealthIndicatorService` the indicator uses (structural: no import of the package). */
export interface HealthIndicatorServiceLike {
  check(key: string): {
    up(data?: object): Record<string, unknown>;
    down(data?: object): Record<string, unknown>;
  };
}

type TerminusModule = { HealthIndicatorService?: new () => HealthIndicatorServiceLike };

/**
 * Terminus's `HealthIndicatorService` — the app's instance when it imported `TerminusModule`, else one of our
 * own — or `undefined` when `@nestjs/terminus` is not installed. Loaded with a dynamic `import()` (a `require()`
 * in the CommonJS build), so the module boots without the optional peer.
 */
export async function loadHealthIndicatorService(
  moduleRef: ModuleRef,
): Promise<HealthIndicatorServiceLike | undefined> {
  let terminus: TerminusModule;
  try {
    terminus = (await import('@nestjs/terminus')) as unknown as TerminusModule;
  } catch {
    return undefined;
  }
  const Service =
    terminus.HealthIndicatorService ?? (terminus as { default?: TerminusModule }).default?.HealthIndicatorService;
  // Terminus before 10.2 has no HealthIndicatorService (only the deprecated base class): the plain result shape.
  if (typeof Service !== 'function') return undefined;
  try {
    return moduleRef.get(Service, { strict: false });
  } catch {
    // The app did not import TerminusModule (or in another copy): the service keeps no state worth sharing.
    return new Service();
  }
}
