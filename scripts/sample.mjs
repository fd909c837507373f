// `npm run sample [-- --fastify] [-- --dry-run] [-- --help]`: builds the package, compiles the sample app against
// the build (resolving 'nestjs-wecom-batch' through the package's own exports map, as a customer's app would)
// and runs it. Plain node + tsc: works on Node 20 without global tools.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

function step(what, args) {
  const { status, error } = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`sample: ${what} failed${error ? `: ${error.message}` : ''}`);
    process.exit(status ?? 1);
  }
}

step('building the package', ['scripts/build.mjs']);
rmSync('.sample-dist', { recursive: true, force: true });
step('compiling the sample', [tsc, '-p', 'sample/tsconfig.json']);
// The sample reads its data file next to its compiled code.
cpSync('sample/data/directory.json', '.sample-dist/data/directory.json');

const run = spawnSync(process.execPath, ['.sample-dist/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
