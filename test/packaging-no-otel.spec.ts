import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// @opentelemetry/api and @nestjs/terminus are optional peer dependencies: an app without them must boot the module,
// sync through it and read its health. This loads the built package (`npm test` builds first) by its name in real
// Node processes in which neither can be resolved — through import() (ESM build) and require() (CommonJS build).

const root = process.cwd();
const HIDDEN = ['@opentelemetry/api', '@nestjs/terminus'];

const ESM_HOOK = `const hidden = ${JSON.stringify(HIDDEN)};
export async function resolve(specifier, context, next) {
  if (hidden.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
const CJS_HOOK = `const hidden = ${JSON.stringify(HIDDEN)};
const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.some((name) => request === name || request.startsWith(name + '/'))) {
    const error = new Error("Cannot find module '" + request + "'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return original.call(this, request, ...rest);
};`;

// Run in the child: boots a Nest application context with the module against the simulator, syncs one member
// (polling, no callback), and asks the health indicator.
const PROBE = `
  const out = { hidden: {} };
  for (const name of ${JSON.stringify(HIDDEN)}) {
    try { await load(name); out.hidden[name] = 'resolvable'; } catch (e) { out.hidden[name] = e.code; }
  }
  await load('reflect-metadata');
  const { Module } = await load('@nestjs/common');
  const { NestFactory } = await load('@nestjs/core');
  const { EventEmitterModule } = await load('@nestjs/event-emitter');
  const m = await load('nestjs-wecom-batch');
  const { WeComSimulator } = await load('nestjs-wecom-batch/testing');
  const corpId = 'wwnootel000000001';
  const corpSecret = 'NoOtelCorpSecret-0123456789abcdef';
  const sim = await WeComSimulator.start({
    corps: [{ corpId, corpSecret, departments: [{ id: 1, name: 'root', parentId: 0, order: 0 }], users: [] }],
    jobDelayMs: 10,
  });
  class AppModule {}
  Module({
    imports: [
      EventEmitterModule.forRoot(),
      m.WeComBatchModule.forRoot({
        corpId, corpSecret, apiBaseUrl: sim.baseUrl,
        polling: { initialIntervalMs: 20, maxIntervalMs: 50 },
      }),
    ],
  })(AppModule);
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  try {
    const job = await app.get(m.BatchService).syncUsers({
      users: [{ userid: 'u1', name: 'one', mobile: '13900000009', departments: [1] }],
    });
    const done = await job.wait();
    out.completed = { source: done.source, failedRows: done.failedRows };
    const health = await app.get(m.WeComBatchHealthIndicator).isHealthy('wecom');
    out.health = { status: health.wecom.status, store: health.wecom.store, token: health.wecom.token.state };
  } finally {
    await app.close();
    await sim.close();
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
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

describe('nestjs-wecom-batch without @opentelemetry/api and @nestjs/terminus installed', () => {
  it('has been built (npm test runs the build first)', () => {
    expect(existsSync(join(root, 'dist/esm/telemetry/wecom-telemetry.service.js'))).toBe(true);
    expect(existsSync(join(root, 'dist/cjs/telemetry/wecom-telemetry.service.js'))).toBe(true);
  });

  it.each(['esm', 'cjs'] as const)('boots, syncs and reports its health (%s build)', (format) => {
    const result = probe(format);
    // The hooks really hide both packages (otherwise this test would prove nothing).
    const missing = format === 'esm' ? 'ERR_MODULE_NOT_FOUND' : 'MODULE_NOT_FOUND';
    expect(result.hidden).toEqual({ '@opentelemetry/api': missing, '@nestjs/terminus': missing });
    expect(result.completed).toEqual({ source: 'poll', failedRows: 0 });
    // Terminus's result shape without Terminus.
    expect(result.health).toEqual({ status: 'up', store: 'up', token: 'cached' });
  });
});
