// Dual build: dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts files.
// Plain tsc twice keeps emitDecoratorMetadata and the JSDoc (removeComments: false) users see in their editor.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

const tsc = (project) => execFileSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
tsc('tsconfig.build.json');
tsc('tsconfig.build.cjs.json');
// The package is "type": "module"; this marks the CommonJS half as such for Node and bundlers.
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
