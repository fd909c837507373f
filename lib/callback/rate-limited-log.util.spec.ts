import { describe, expect, it } from '@jest/globals';
import { RateLimitedLog } from './rate-limited-log.util.js';

describe('RateLimitedLog', () => {
  it('logs one line per key and interval, then reports how many were suppressed', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new RateLimitedLog(
      {
        log: (m: string) => lines.push(`L ${m}`),
        warn: (m: string) => lines.push(`W ${m}`),
        error: (m: string) => lines.push(`E ${m}`),
      },
      1000,
      () => now,
    );
    log.write('warn', 'a', 'first a');
    log.write('warn', 'a', 'second a');
    log.write('warn', 'b', 'first b');
    now = 999;
    log.write('warn', 'a', 'third a');
    now = 1000;
    log.write('error', 'a', 'fourth a');
    log.write('log', 'c', 'first c');
    expect(lines).toEqual(['W first a', 'W first b', 'E fourth a (+2 similar suppressed)', 'L first c']);
  });
});
