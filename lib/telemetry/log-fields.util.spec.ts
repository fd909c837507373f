import { describe, expect, it, jest } from '@jest/globals';
import { ConsoleLogger } from '@nestjs/common';
import { logFields } from './log-fields.util.js';

describe('logFields', () => {
  it('writes key=value pairs, quoting values with spaces, quotes or =, leaving undefined out', () => {
    expect(logFields({ jobId: 'J1', rows: 3, ok: true, none: undefined, note: 'a b', eq: 'x=y' })).toBe(
      ' jobId=J1 rows=3 ok=true note="a b" eq="x=y"',
    );
  });

  it('a line stays one readable line in a plain-text logger and one message field in a JSON logger', () => {
    const line = `job J1 (sync_user) completed by poll in 1.2 s: 3 rows, 0 failed${logFields({ jobId: 'J1', rows: 3 })}`;
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      new ConsoleLogger('JobCompleter', { json: true }).log(line);
      new ConsoleLogger('JobCompleter', { colors: false }).log(line);
    } finally {
      spy.mockRestore();
    }
    const [json, plain] = written;
    expect(JSON.parse(json!)).toMatchObject({ level: 'log', context: 'JobCompleter', message: line });
    expect(plain!.trimEnd().split('\n')).toHaveLength(1);
    expect(plain).toContain(line);
  });
});
