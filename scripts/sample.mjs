// `npm run sample [-- --fastify] [-- --dry-run]`: builds the package, compiles the sample app against the
// build (as a customer's app would use it) and runs it. Works on Node 20 without global tools.
import { execFileSync } from 'node:child_process';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

run('node', ['scripts/build.mjs']);
run('npx', ['tsc', '-p', 'sample/tsconfig.json']);
run('node', ['.sample-dist/main.js', ...process.argv.slice(2)]);
