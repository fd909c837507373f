import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { WeComCallbackRejectedError } from '../errors/wecom-callback-rejected.error.js';
import { GET_PARAMS, readCallbackParams } from './callback-request.checks.js';

/** What readCallbackParams must agree with: the parameters as URLSearchParams decodes them, then its checks. */
function reference(query: string): Record<string, string> | 'duplicated' | 'refused' {
  const seen: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)) {
    if (!(GET_PARAMS as readonly string[]).includes(name)) continue;
    if (name in seen) return 'duplicated';
    seen[name] = value;
  }
  const complete = GET_PARAMS.every((name) => seen[name]) && /^\d+$/.test(seen.timestamp ?? '');
  return complete ? seen : 'refused';
}

function outcome(query: string): Record<string, string> | 'duplicated' | 'refused' {
  try {
    return readCallbackParams(query, GET_PARAMS);
  } catch (error) {
    if (!(error instanceof WeComCallbackRejectedError)) throw error;
    return error.message.includes('more than once') ? 'duplicated' : 'refused';
  }
}

const piece = (...units: string[]) => fc.string({ unit: fc.constantFrom(...units), minLength: 0, maxLength: 6 });
const text = piece('a', 'F', '1', '2', '0', '+', '=', ' ', 'é', '?', '%', '%2B', '%41', '%zz');
const digits = piece('1', '7', '%31', '+');
/** One parameter as a query writes it: `name=value`, with its name escaped, or bare (no `=`). */
const param = (name: string, value: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('plain', 'plain', 'plain', 'escaped', 'bare'), value)
    .map(([form, v]) =>
      form === 'bare'
        ? name
        : `${form === 'escaped' ? `${name.slice(0, -1)}%${name.charCodeAt(name.length - 1).toString(16)}` : name}=${v}`,
    );
/** The four parameters in any order, with extras among them. */
const query = fc
  .tuple(
    param('msg_signature', text),
    param('timestamp', digits),
    param('nonce', text),
    param('echostr', text),
    fc.array(fc.constantFrom('other=1', 'nonce', 'time+stamp=1', '', 'echostr=x'), { maxLength: 2 }),
    fc.boolean(),
  )
  .chain(([signature, timestamp, nonce, echostr, extras, question]) =>
    fc
      .shuffledSubarray([signature, timestamp, nonce, echostr, ...extras], { minLength: 4 + extras.length })
      .map((pairs) => `${question ? '?' : ''}${pairs.join('&')}`),
  );

describe('readCallbackParams', () => {
  it('reads a query exactly as URLSearchParams decodes it, with or without escapes', () => {
    fc.assert(
      fc.property(query, (q) => {
        expect(outcome(q)).toEqual(reference(q));
      }),
      { numRuns: 3_000 },
    );
  });

  it('decodes escapes and plus signs in values', () => {
    expect(readCallbackParams('msg_signature=a%2Bb&timestamp=1&nonce=x+y&echostr=A%3D', GET_PARAMS)).toEqual({
      msg_signature: 'a+b',
      timestamp: '1',
      nonce: 'x y',
      echostr: 'A=',
    });
  });

  it('refuses a parameter given twice, also when one copy is escaped', () => {
    expect(outcome('msg_signature=a&timestamp=1&nonce=x&echostr=e&nonc%65=y')).toBe('duplicated');
    expect(outcome('msg_signature=a&timestamp=1&nonce=x&echostr=e&nonce=y')).toBe('duplicated');
  });
});
