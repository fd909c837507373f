import { describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { csvCell, csvRecord } from './csv-build.util.js';

describe('csvCell / csvRecord', () => {
  it('writes a plain cell as it is and an empty or missing one as nothing', () => {
    expect(csvCell('张三')).toBe('张三');
    expect(csvCell('')).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
  });

  it('quotes a cell with , " CR or LF, doubling its quotes (a lone CR too)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('Zhang "San"')).toBe('"Zhang ""San"""');
    expect(csvCell('a\rb')).toBe('"a\rb"');
    expect(csvCell('l1\nl2')).toBe('"l1\nl2"');
    expect(csvCell('"')).toBe('""""');
  });

  it('writes values that are not strings as the file always had them', () => {
    expect(csvCell(12)).toBe('12');
    expect(csvCell(10n)).toBe('10');
    expect(csvCell(true)).toBe('1');
    expect(csvCell(false)).toBe('');
    expect(csvCell(new Date(5))).toBe('5');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('ends every record with LF, and a reader gets the same cells back', () => {
    expect(csvRecord(['a', undefined, 'b,c'])).toBe('a,,"b,c"\n');
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { minLength: 2, maxLength: 5 }), { minLength: 1 }), (records) => {
        const text = records.map((cells) => csvRecord(cells)).join('');
        expect(parse(text, { relax_column_count: true })).toEqual(records);
      }),
    );
  });
});
