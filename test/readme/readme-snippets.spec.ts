import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { WECOM_BATCH_EXTRA_KEYS } from '../../lib/wecom-batch.constants.js';
import {
  CallbackOptionsSchema,
  ModuleOptionsSchema,
  PollingOptionsSchema,
  RetryOptionsSchema,
} from '../../lib/wecom-batch-options.schema.js';

// The README is the first thing a user copies from, so its code must be code that runs: the quick start and the
// simulator test are the files of test/readme/app (run by readme-simulator.spec.ts and readme-scaffold.spec.ts,
// compiled under a user's strict settings by `npm run typecheck:types`). This spec fails when the README's copy
// and those files drift apart, and when the README links to something an npm reader cannot open.

const root = process.cwd();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

/** The fenced blocks of the README, by language. */
function blocks(language: string): string[] {
  const out: string[] = [];
  const fence = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const match of readme.matchAll(fence)) out.push(match[1].replace(/\n$/, ''));
  return out;
}

const app = (path: string) => readFileSync(join(root, 'test/readme/app', path), 'utf8').replace(/\n$/, '');

describe('README code blocks', () => {
  it.each(['src/app.module.ts', 'src/directory-sync.service.ts', 'test/wecom.e2e-spec.ts', 'test/wecom-test-env.ts'])(
    'shows %s exactly as the file that CI runs',
    (path) => {
      expect(blocks('ts')).toContain(app(path));
    },
  );

  it.each(['src/app.module.ts', 'src/directory-sync.service.ts'])(
    'the Chinese quick start shows %s exactly',
    (path) => {
      const zh = readFileSync(join(root, 'docs/quick-start.zh-CN.md'), 'utf8');
      expect(zh).toContain('```ts\n' + app(path) + '\n```');
      expect([...zh.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^https?:\/\//.test(t))).toEqual([]);
    },
  );

  it('shows the line the scaffold’s app.e2e-spec.ts gets, as the tested copy has it', () => {
    const firstImport = app('test/app.e2e-spec.ts')
      .split('\n')
      .find((line) => line.startsWith('import '));
    expect(firstImport).toBe("import './wecom-test-env.js';");
    expect(blocks('ts').some((block) => block.split('\n').includes(firstImport as string))).toBe(true);
  });

  it('gives the quick start an apiBaseUrl from the configuration (the test points it at the simulator)', () => {
    expect(app('src/app.module.ts')).toContain("apiBaseUrl: config.get<string>('WECOM_API_BASE_URL')");
    expect(app('test/wecom.e2e-spec.ts')).toContain('WECOM_API_BASE_URL: sim.baseUrl');
  });
});

describe('README options table', () => {
  const section = readme.slice(readme.indexOf('\n## Options\n'), readme.indexOf('\n## The callback route\n'));
  const rows = new Set([...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
  const keysOf = (schema: new () => object) =>
    getMetadataStorage()
      .getTargetValidationMetadatas(schema, '', true, false)
      .map((m) => m.propertyName);

  it('has a row for every option the validation knows (the same list that refuses unknown keys)', () => {
    const expected = [
      ...keysOf(ModuleOptionsSchema).filter((key) => !['retry', 'polling'].includes(key)),
      'store',
      ...keysOf(RetryOptionsSchema).map((key) => `retry.${key}`),
      ...keysOf(PollingOptionsSchema).map((key) => `polling.${key}`),
      ...keysOf(CallbackOptionsSchema)
        .filter((key) => !['url', 'token', 'encodingAESKey'].includes(key))
        .map((key) => `callback.${key}`),
    ];
    expect(new Set(expected).size).toBeGreaterThan(20);
    expect([...new Set(expected)].filter((key) => !rows.has(key))).toEqual([]);
  });

  it('has a row for every registration extra', () => {
    expect(WECOM_BATCH_EXTRA_KEYS.filter((key) => !rows.has(key))).toEqual([]);
  });
});

describe('README for npm readers', () => {
  it('links only to absolute URLs or to its own headings (relative links are dead on npmjs.com)', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !/^(https?:\/\/|#|mailto:)/.test(t))).toEqual([]);
  });

  it('links to headings that exist', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const anchors = new Set([...readme.matchAll(/^#{2,4} (.+)$/gm)].map((m) => slug(m[1])));
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(links.filter((anchor) => !anchors.has(anchor))).toEqual([]);
  });

  it('puts the commands that need a clone of the repository under "Working on this repository"', () => {
    const own = readme.indexOf('\n## Working on this repository\n');
    expect(own).toBeGreaterThan(0);
    const before = readme.slice(0, own);
    for (const command of ['npm run sample', 'npm test']) {
      const outside = before
        .split('\n## ')
        .filter((section) => !section.startsWith('The sample'))
        .some((section) => section.includes(command));
      expect(outside).toBe(false);
    }
  });

  it('names the repository, homepage and issue tracker in package.json', () => {
    const repository = pkg.repository as { type?: string; url?: string } | undefined;
    expect(repository?.url).toMatch(/^git\+https:\/\/github\.com\/.+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/.+#readme$/);
    expect((pkg.bugs as { url?: string } | undefined)?.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
    // The README's absolute links point into that repository.
    const base = String(pkg.homepage).replace(/#readme$/, '');
    const external = [...readme.matchAll(/\]\((https:\/\/github\.com\/[^)\s]+)\)/g)].map((m) => m[1]);
    expect(external.length).toBeGreaterThan(0);
    expect(external.filter((url) => url !== base && !url.startsWith(`${base}/`))).toEqual([]);
  });
});
