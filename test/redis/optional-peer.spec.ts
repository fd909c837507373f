import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// ioredis is an optional peer dependency: an app that uses the default MemoryStore need not install it. This
// loads the built package (`npm test` builds first) by its name in real Node processes in which `ioredis` cannot
// be resolved — through import() (ESM build) and require() (CommonJS build).

const root = process.cwd();

// Resolution hooks that make `ioredis` missing, as in an app that never installed it.
const ESM_HOOK = `export async function resolve(specifier, context, next) {
  if (specifier === 'ioredis' || specifier.startsWith('ioredis/')) {
    const error = new Error("Cannot find package 'ioredis' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
const CJS_HOOK = `const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'ioredis' || request.startsWith('ioredis/')) {
    const error = new Error("Cannot find module 'ioredis'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return original.call(this, request, ...rest);
};`;

// Run in the child once the package is loaded as `m`; prints what a user would observe.
const PROBE = `
  const out = {};
  try { await load('ioredis'); out.ioredisResolvable = true; } catch (e) { out.ioredisResolvable = e.code; }
  const m = await load('nestjs-wecom-batch');
  out.exports = ['MemoryStore', 'RedisStore', 'WeComStoreError'].filter((name) => typeof m[name] === 'function');
  out.memoryStoreWorks = await new m.MemoryStore().setOnce('mark', 1000);
  try {
    await new m.RedisStore('redis://127.0.0.1:1').getToken('t');
    out.redisStore = 'resolved';
  } catch (e) {
    out.redisStore = { configError: e instanceof m.WeComConfigError, message: e.message };
  }
  console.log(JSON.stringify(out));`;

function probe(format: 'esm' | 'cjs'): Record<string, unknown> {
  const args =
    format === 'esm'
      ? [
          '--input-type=module',
          '-e',
          `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(ESM_HOOK)}));
const load = (name) => import(name);
${PROBE}`,
        ]
      : ['-e', `${CJS_HOOK}\nconst load = async (name) => require(name);\n(async () => {${PROBE}\n})();`];
  const out = execFileSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('nestjs-wecom-batch without ioredis installed', () => {
  it('has been built (npm test runs the build first)', () => {
    expect(existsSync(join(root, 'dist/esm/stores/redis.store.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/cjs/stores/redis.store.js'))).toBe(true);
  });

  it.each(['esm', 'cjs'] as const)(
    'loads (%s), runs the MemoryStore, and RedisStore from a URL asks for `npm install ioredis`',
    (format) => {
      const result = probe(format);
      // The hook really hides ioredis (otherwise this test would prove nothing).
      expect(result.ioredisResolvable).toBe(format === 'esm' ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND');
      expect(result.exports).toEqual(['MemoryStore', 'RedisStore', 'WeComStoreError']);
      expect(result.memoryStoreWorks).toBe(true);
      expect(result.redisStore).toEqual({ configError: true, message: expect.stringContaining('npm install ioredis') });
    },
  );
});
