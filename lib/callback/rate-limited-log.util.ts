import type { LoggerService } from '@nestjs/common';

/**
 * At most one log line per key and interval, so a flood of forged deliveries cannot flood the logs; the next
 * line after a quiet spell says how many were suppressed. Keys come from small fixed sets (rejection reasons,
 * acceptance kinds, the fingerprints of the configured key pairs), so the map stays tiny.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Pick<LoggerService, 'log' | 'warn' | 'error'>,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Logs `message` at `level` unless a line with the same `key` was logged less than the interval ago. A function
   * is called only when the line is written: a flood's suppressed lines cost no string building.
   */
  write(level: 'log' | 'warn' | 'error', key: string, message: string | (() => string)): void {
    const now = this.now();
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    const line = typeof message === 'function' ? message() : message;
    this.logger[level](suppressed > 0 ? `${line} (+${suppressed} similar suppressed)` : line);
  }
}
