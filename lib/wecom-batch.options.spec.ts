import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { MemoryStore } from './stores/memory.store.js';
import { WeComConfigError } from './errors/wecom-config.error.js';
import { WECOM_BATCH_DEFAULTS } from './wecom-batch.defaults.js';
import { WECOM_BATCH_EXTRAS_DEFAULTS } from './wecom-batch.module-definition.js';
import { STORE_METHODS } from './wecom-batch-options.schema.js';
import { resolveWeComBatchOptions } from './wecom-batch-options.resolver.js';

const REQUIRED = { corpId: 'wwcorp', corpSecret: 'secret' };

/** Where each interface's fields sit in the defaults object. */
const INTERFACE_PATHS: Record<string, string> = {
  WeComBatchModuleOptions: '',
  WeComRetryOptions: 'retry.',
  WeComPollingOptions: 'polling.',
  WeComCallbackOptions: 'callback.',
  WeComBatchModuleExtras: '',
};

/** `field path → @default text` for every property of the known interfaces in `file`. */
function defaultTags(file: string): Map<string, string | undefined> {
  const path = join(process.cwd(), 'lib', file);
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const tags = new Map<string, string | undefined>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement) || !(statement.name.text in INTERFACE_PATHS)) continue;
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || member.questionToken === undefined) continue;
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
      const text = typeof tag?.comment === 'string' ? tag.comment.trim() : undefined;
      tags.set(`${INTERFACE_PATHS[statement.name.text]}${member.name.getText(source)}`, text);
    }
  }
  return tags;
}

/** The value a `@default` text shows: its leading literal (`7200000 (2 h)` → 7200000), or the text itself. */
function literalOf(text: string): unknown {
  const match = /^('[^']*'|-?\d+|true|false)(\s|$)/.exec(text);
  if (!match) return text;
  const literal = match[1];
  if (literal.startsWith("'")) return literal.slice(1, -1);
  return literal === 'true' ? true : literal === 'false' ? false : Number(literal);
}

/** `field path → value` of every leaf of a defaults object. */
function leaves(value: object, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, child] of Object.entries(value)) {
    if (typeof child === 'object' && child !== null)
      for (const entry of leaves(child, `${prefix}${key}.`)) out.set(...entry);
    else out.set(`${prefix}${key}`, child);
  }
  return out;
}

describe('option defaults: one value, the same in the JSDoc users read', () => {
  it.each([
    ['wecom-batch.options.ts', WECOM_BATCH_DEFAULTS, ['store', 'callback', 'callback.acceptedKeys']],
    ['wecom-batch.module-definition.ts', WECOM_BATCH_EXTRAS_DEFAULTS, []],
  ] as const)('every @default in %s shows the value that runs', (file, defaults, withoutValue) => {
    const tags = defaultTags(file);
    const values = leaves(defaults);
    // Each defaulted field documents its default, with the value the resolver applies.
    for (const [field, value] of values)
      expect([field, literalOf(tags.get(field) ?? '(no @default tag)')]).toEqual([field, value]);
    // And no field is documented with a default the code does not have.
    const documented = [...tags]
      .filter(([field, text]) => text !== undefined && !(withoutValue as readonly string[]).includes(field))
      .map(([field]) => field);
    expect(documented.sort()).toEqual([...values.keys()].sort());
  });

  it('the store documents its default, though it is an instance, not a value', () => {
    expect(defaultTags('wecom-batch.options.ts').get('store')).toMatch(/MemoryStore/);
  });
});

describe('resolveWeComBatchOptions', () => {
  it('applies every default when only the required fields are given', () => {
    const resolved = resolveWeComBatchOptions(REQUIRED);
    expect(resolved).toEqual({ ...WECOM_BATCH_DEFAULTS, ...REQUIRED, callback: undefined });
  });

  it('keeps what the user set, field by field inside a group; null and undefined mean "the default"', () => {
    const resolved = resolveWeComBatchOptions({
      ...REQUIRED,
      requestTimeoutMs: 1_000,
      retry: { maxRetries: 0, baseDelayMs: undefined },
      polling: { timeoutMs: null as unknown as number },
      importQueue: 'fail-fast',
      fetchResults: false,
    });
    expect(resolved.requestTimeoutMs).toBe(1_000);
    expect(resolved.retry).toEqual({ ...WECOM_BATCH_DEFAULTS.retry, maxRetries: 0 });
    expect(resolved.polling).toEqual(WECOM_BATCH_DEFAULTS.polling);
    expect(resolved.importQueue).toBe('fail-fast');
    expect(resolved.fetchResults).toBe(false);
  });

  it('normalises apiBaseUrl and passes no store through', () => {
    const resolved = resolveWeComBatchOptions({
      ...REQUIRED,
      apiBaseUrl: 'http://127.0.0.1:9000/cgi-bin/',
      store: new MemoryStore(),
    });
    expect(resolved.apiBaseUrl).toBe('http://127.0.0.1:9000');
    expect(resolved).not.toHaveProperty('store');
  });

  it('hands out a fresh, mutable copy: changing one module’s options changes no other’s, nor the defaults', () => {
    const first = resolveWeComBatchOptions(REQUIRED);
    first.polling.timeoutMs = 1;
    expect(resolveWeComBatchOptions(REQUIRED).polling.timeoutMs).toBe(2 * 60 * 60 * 1000);
    expect(Object.isFrozen(WECOM_BATCH_DEFAULTS.polling)).toBe(true);
  });

  it('names every method a custom store lacks', () => {
    const store = { ...Object.fromEntries(STORE_METHODS.map((m) => [m, () => undefined])) };
    delete (store as Record<string, unknown>).subscribe;
    delete (store as Record<string, unknown>).extendLock;
    const error = (() => {
      try {
        resolveWeComBatchOptions({ ...REQUIRED, store: store as never });
      } catch (e) {
        return e;
      }
    })() as WeComConfigError;
    expect(error).toBeInstanceOf(WeComConfigError);
    expect(error.problems).toEqual([
      { field: 'store', message: 'must implement WeComBatchStore (missing extendLock, subscribe)' },
    ]);
  });

  it('lists only real store methods: a MemoryStore has every one of them', () => {
    const store = new MemoryStore() as unknown as Record<string, unknown>;
    expect(STORE_METHODS.length).toBeGreaterThanOrEqual(12);
    expect(STORE_METHODS.filter((m) => typeof store[m] !== 'function')).toEqual([]);
  });
});
