// Copies the files of test/readme/app into the README's code blocks that show them (a block is matched by its
// first line, the file's `// path` comment). Run after changing one of those files:
//   node test/readme/sync-readme.mjs
// readme-snippets.spec.ts fails until the README shows them exactly.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const files = [
  'src/app.module.ts',
  'src/directory-sync.service.ts',
  'test/wecom.e2e-spec.ts',
  'test/wecom-test-env.ts',
];
// The Chinese quick start shows the two app files too.
for (const [doc, shown] of [
  ['README.md', files],
  ['docs/quick-start.zh-CN.md', files.slice(0, 2)],
]) {
  let readme = readFileSync(join(root, doc), 'utf8');
  for (const file of shown) {
    const text = readFileSync(join(root, 'test/readme/app', file), 'utf8').replace(/\n$/, '');
    const firstLine = text.split('\n')[0];
    const start = readme.indexOf('```ts\n' + firstLine.split(' ')[0] + ' ' + firstLine.split(' ')[1]);
    if (start < 0) throw new Error(`${doc} has no block starting with ${firstLine}`);
    const bodyStart = start + '```ts\n'.length;
    const end = readme.indexOf('\n```\n', bodyStart);
    readme = readme.slice(0, bodyStart) + text + readme.slice(end);
  }
  writeFileSync(join(root, doc), readme);
  console.log(`${doc}: ${shown.length} blocks synced from test/readme/app`);
}
