import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { MIRROR_DEFAULTS } from './mirror-options.types.js';

/** `field → @default text` of every optional field of the mirror option interfaces. */
function defaultTags(): Map<string, string> {
  const path = join(process.cwd(), 'lib/batch/mirror/mirror-options.types.ts');
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const tags = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || !/Options$/.test(statement.name.text)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || member.questionToken === undefined) continue;
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
      tags.set(member.name.getText(source), typeof tag?.comment === 'string' ? tag.comment.trim() : '(none)');
    }
  }
  return tags;
}

describe('mirror option defaults', () => {
  it('every @default shows the value MIRROR_DEFAULTS applies, and every option has one', () => {
    const tags = defaultTags();
    for (const [field, value] of Object.entries(MIRROR_DEFAULTS)) {
      expect([field, tags.get(field)]).toEqual([field, Array.isArray(value) ? JSON.stringify(value) : String(value)]);
    }
    for (const [field, text] of tags) expect([field, text]).not.toEqual([field, '(none)']);
  });

  it('refuses a mass deletion by default: stricter than WeCom’s own 45026 (more than 50 and 20 %)', () => {
    expect(MIRROR_DEFAULTS.maxDeletes).toBeLessThanOrEqual(50);
    expect(MIRROR_DEFAULTS.maxDeletePercent).toBeLessThan(20);
    expect(Object.isFrozen(MIRROR_DEFAULTS)).toBe(true);
  });
});
