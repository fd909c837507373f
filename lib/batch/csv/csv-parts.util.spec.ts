import { describe, expect, it } from '@jest/globals';
import { WeComFileTooLargeError } from '../../errors/wecom-file-too-large.error.js';
import { MemberRowsCheck } from '../rows/member-rows.check.js';
import { buildMemberCsv } from './member-csv.writer.js';
import { MemberCsvColumns } from './member-csv.columns.js';
import { buildCsvPartsSteps, splitCsvBuffer, writeCsvParts, type CsvPart } from './csv-parts.util.js';

const rows = (n: number): object[] =>
  Array.from({ length: n }, (_, i) => ({
    userid: `u${i}`,
    name: `张三${i}`,
    mobile: `139${String(i).padStart(8, '0')}`,
    departments: [1 + (i % 3)],
  }));

async function parts(input: object[], maxBytes: number, split = true): Promise<CsvPart[]> {
  const out: CsvPart[] = [];
  const steps = buildCsvPartsSteps(
    new MemberRowsCheck({}),
    new MemberCsvColumns(false),
    input,
    {},
    { maxBytes, jobType: 'sync_user', split },
  );
  await writeCsvParts(
    steps,
    () => undefined,
    async (part) => void out.push({ ...part, csv: Buffer.from(part.csv) }),
  );
  return out;
}

describe('buildCsvPartsSteps', () => {
  it('within the limit: one part, the same bytes as buildMemberCsv', async () => {
    const input = rows(500);
    const [only, ...more] = await parts(input, 1 << 20);
    expect(more).toEqual([]);
    expect(only.csv.equals((await buildMemberCsv(input as never)).csv)).toBe(true);
  });

  it('over the limit: parts cut at rows, the header in each, each within the limit, every row once in order', async () => {
    const input = rows(5_000);
    const whole = (await buildMemberCsv(input as never)).csv.toString('utf8').split('\n');
    const header = whole[0];
    const got = await parts(input, 16 * 1024);
    expect(got.length).toBeGreaterThan(5);
    const lines: string[] = [];
    let next = 0;
    for (const part of got) {
      expect(part.csv.length).toBeLessThanOrEqual(16 * 1024);
      const text = part.csv.toString('utf8').split('\n');
      expect(text[0]).toBe(header);
      expect(part.firstRow).toBe(next);
      expect(text.length - 2).toBe(part.rows);
      next += part.rows;
      lines.push(...text.slice(1, -1));
    }
    expect(lines).toEqual(whole.slice(1, -1));
    // As full as the limit allows: adding the next part's first row would cross it.
    for (let i = 0; i + 1 < got.length; i++) {
      const nextLine = Buffer.byteLength(got[i + 1].csv.toString('utf8').split('\n')[1] + '\n');
      expect(got[i].csv.length + nextLine).toBeGreaterThan(16 * 1024);
    }
  });

  it('a replace over the limit is refused before anything is written', async () => {
    await expect(parts(rows(5_000), 16 * 1024, false)).rejects.toBeInstanceOf(WeComFileTooLargeError);
  });
});

describe('splitCsvBuffer', () => {
  it('cuts at record ends outside quotes, the header first in each part', () => {
    const csv = Buffer.from('姓名,帐号\n"a\nb",u1\n张三,u2\n"x""y",u3\n李四,u4\n', 'utf8');
    const got = splitCsvBuffer(csv, 30, 'sync_user');
    const texts = got.map((p) => p.csv.toString('utf8'));
    for (const text of texts) expect(text.startsWith('姓名,帐号\n')).toBe(true);
    expect(texts.map((t) => t.slice('姓名,帐号\n'.length)).join('')).toBe('"a\nb",u1\n张三,u2\n"x""y",u3\n李四,u4\n');
    expect(got.map((p) => [p.firstRow, p.rows])).toEqual(
      got.map((p, i) => [got.slice(0, i).reduce((s, q) => s + q.rows, 0), p.rows]),
    );
    expect(got.reduce((s, p) => s + p.rows, 0)).toBe(4);
    for (const part of got) expect(part.csv.length).toBeLessThanOrEqual(30);
  });

  it('a record too large for any part throws WeComFileTooLargeError', () => {
    expect(() => splitCsvBuffer(Buffer.from(`h\n${'x'.repeat(100)}\n`), 50, 'sync_user')).toThrow(
      WeComFileTooLargeError,
    );
  });
});
