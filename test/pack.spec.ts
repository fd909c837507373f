import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

// What `npm publish` would upload, from `npm pack --dry-run` (`npm test` builds dist/ first): the build, the
// docs users read on npm, and nothing else — no sources, tests, sample or spec helpers, and no source map that
// sends a debugger to a file the package does not contain.

const root = process.cwd();

interface PackedFile {
  path: string;
  size: number;
}

let files: string[];

beforeAll(() => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const [pack] = JSON.parse(out) as Array<{ files: PackedFile[] }>;
  files = pack.files.map((f) => f.path).sort();
}, 60_000);

describe('npm pack', () => {
  it('ships the build and the top-level docs', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/esm/testing/index.js',
      'dist/esm/testing/index.d.ts',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
      'dist/cjs/testing/index.js',
      'dist/cjs/testing/index.d.ts',
      'dist/cjs/package.json',
    ]) {
      expect([file, files.includes(file)]).toEqual([file, true]);
    }
  });

  it('ships nothing but dist/ and those docs: no sources, tests, sample, benchmarks or spec helpers', () => {
    const topLevel = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
    expect(files.filter((f) => !f.startsWith('dist/') && !topLevel.has(f))).toEqual([]);
    expect(files.filter((f) => /\.spec\.|spec-helper|(^|\/)(test|tests|sample|bench|lib)\//.test(f))).toEqual([]);
    // TypeScript only as declarations.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => !/\.(js|d\.ts|js\.map|json|md)$/.test(f) && f !== 'LICENSE')).toEqual([]);
  });

  it('every source map resolves each of its sources inside the package or carries the source text', () => {
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(50);
    const unresolved: string[] = [];
    for (const map of maps) {
      const { sources, sourcesContent, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
        sourceRoot?: string;
      };
      sources.forEach((source, i) => {
        const target = posix.normalize(posix.join(dirname(map), sourceRoot ?? '', source));
        const inline = typeof sourcesContent?.[i] === 'string' && (sourcesContent[i] as string).length > 0;
        if (!files.includes(target) && !inline) unresolved.push(`${map} → ${source}`);
      });
    }
    expect(unresolved).toEqual([]);
  });

  it('every sourceMappingURL names a map that is in the package', () => {
    const dangling: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, file), 'utf8'))?.[1];
      if (url && !url.startsWith('data:') && !files.includes(posix.join(dirname(file), url))) {
        dangling.push(`${file} → ${url}`);
      }
    }
    expect(dangling).toEqual([]);
  });
});
