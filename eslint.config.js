// Flat config: typescript-eslint's recommended rules (syntax-only, fast) plus the project's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Nest 12's exports maps reject deep paths (`@nestjs/common/decorators/...`), and Nest 11 moves files between
// minors: import every Nest package by its name only. Listed in both blocks below (a later block's
// no-restricted-imports replaces an earlier one's, it does not add to it).
const NO_DEEP_NEST = {
  group: ['@nestjs/*/*'],
  message: "Import Nest packages by their name only (e.g. '@nestjs/common'): deep paths break on Nest 12.",
};

export default tseslint.config(
  { ignores: ['dist/', '.sample-dist/', 'coverage/', 'node_modules/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [NO_DEEP_NEST] }],
    },
  },
  {
    // dependency-cruiser loads its config with require(): CommonJS in a "type": "module" package.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // The e2e specs and the sample use the package as users do, by its name, so they can also run
    // against the built dist (npm run test:dist). Reaching into lib/ would bypass that.
    files: ['test/e2e/**/*.ts', 'sample/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_DEEP_NEST,
            {
              group: ['**/lib/**', '**/lib'],
              message: "Import from 'nestjs-wecom-batch' or 'nestjs-wecom-batch/testing'.",
            },
          ],
        },
      ],
    },
  },
);
