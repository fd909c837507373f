// `npm run typecheck:types`: compiles test/types/*.ts and the README's app (test/readme/app) the way a user's app
// compiles them — against the BUILT declarations (dist/, so run `npm run build` first), with the strict settings of
// test/types/tsconfig.json (`exactOptionalPropertyTypes`, `skipLibCheck: false`) — in a scratch consumer under
// a temporary directory whose node_modules links every installed package but ioredis (an optional peer: the
// declarations must not need it). Then once more with ioredis, for the RedisStore lines that use it. Each program
// runs as an ES module app (dist/esm) and as a CommonJS app (dist/cjs). Exit code 1 on any compiler error.
//
// Usage: node test/types/run.mjs [--dist <dir with package.json and dist/>]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const distFlag = process.argv.indexOf('--dist');
const packageDir = distFlag > 0 ? resolve(process.argv[distFlag + 1]) : root;
if (!existsSync(join(packageDir, 'dist/esm/index.d.ts'))) {
  console.error(`typecheck:types: no build in ${packageDir}/dist — run \`npm run build\` first.`);
  process.exit(1);
}
const tsc = join(root, 'node_modules/typescript/bin/tsc');
// Outside the repository: nothing there resolves from its node_modules, and lint never sees the copies.
const scratch = mkdtempSync(join(tmpdir(), 'nestjs-wecom-batch-types-'));

/** A consumer app: its sources, its node_modules (links; the package itself copied, so it resolves nothing from the repo). */
function consumer(name, { withIoredis, type, files }) {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.') || entry === 'nestjs-wecom-batch') continue;
    if (!withIoredis && (entry === 'ioredis' || entry === '@ioredis')) continue;
    symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  const own = join(dir, 'node_modules/nestjs-wecom-batch');
  mkdirSync(own);
  cpSync(join(packageDir, 'package.json'), join(own, 'package.json'));
  cpSync(join(packageDir, 'dist'), join(own, 'dist'), { recursive: true });
  for (const [from, to] of files) cpSync(join(root, from), join(dir, to), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `types-${name}`, private: true, type }, null, 2)}\n`,
  );
  cpSync(join(root, 'test/types/tsconfig.json'), join(dir, 'tsconfig.base.json'));
  // The ioredis programs check assignability to ioredis's own types; the declarations were lib-checked without it.
  const compilerOptions = withIoredis ? { skipLibCheck: true } : {};
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.base.json', compilerOptions }));
  return dir;
}

const programs = [];
for (const type of ['module', 'commonjs']) {
  const format = type === 'module' ? 'esm' : 'cjs';
  programs.push({
    name: `without-ioredis-${format}`,
    withIoredis: false,
    type,
    files: [
      ['test/types/consumer.ts', 'consumer.ts'],
      ['test/readme/app/src', 'src'],
      ['test/readme/app/test', 'test'],
    ],
  });
  programs.push({
    name: `with-ioredis-${format}`,
    withIoredis: true,
    type,
    files: [['test/types/with-ioredis.ts', 'with-ioredis.ts']],
  });
}

let failed = 0;
for (const program of programs) {
  const dir = consumer(program.name, program);
  const started = Date.now();
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, stdio: 'inherit' });
    console.log(`typecheck:types ${program.name}: ok (${Date.now() - started} ms)`);
  } catch {
    failed += 1;
    console.error(`typecheck:types ${program.name}: FAILED (sources in ${dir})`);
  }
}
if (failed === 0) rmSync(scratch, { recursive: true, force: true });
process.exit(failed === 0 ? 0 : 1);
