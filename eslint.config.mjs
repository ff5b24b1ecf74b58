// The house rules of STYLE.md that a machine can check. Formatting is not linted.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS = ['config', 'contracts', 'database', 'storage', 'messaging', 'observability', 'cache'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.e2e/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Rule 5: one config loader. process.env is read in libs/config only (and by the test harness).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read settings through loadConfig() / AppConfig (libs/config)' }],
      // Rule 1: a lib is entered through its index only; apps never import each other.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@darkroom/*/*'], message: 'import a lib through its index: @darkroom/<lib>' },
            { group: LIBS.map((lib) => `**/libs/${lib}/**`), message: 'import a lib as @darkroom/<lib>, not by path' },
            { group: ['**/apps/*/**', '@darkroom/api', '@darkroom/worker', '@darkroom/notifier'], message: 'apps import libs, never each other' },
          ],
        },
      ],
    },
  },
  { files: ['libs/config/src/**/*.ts', 'test/**/*.ts', '**/*.spec.ts'], rules: { 'no-restricted-properties': 'off' } },
  // Specs reach into their own lib's files, and hand-written fakes are typed loosely on purpose.
  { files: ['**/*.spec.ts'], rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-explicit-any': 'off' } },
  // The web page runs in a browser and talks to the API over HTTP only: no libs, no Node built-ins.
  {
    files: ['apps/web/**/*.{ts,tsx,mts}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@darkroom/*', '**/libs/**', '**/apps/*/**'], message: 'the web page talks to the API over HTTP; it imports no lib or app' },
            { group: ['node:*'], message: 'browser code: no Node built-ins' },
          ],
        },
      ],
    },
  },
  { files: ['apps/web/vite.config.mts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['scripts/**/*.js', 'bench/**/*.js', '*.config.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', __filename: 'readonly', Buffer: 'readonly', FormData: 'readonly', Blob: 'readonly', setTimeout: 'readonly', fetch: 'readonly', performance: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
