// Lint: ESLint's and typescript-eslint's recommended rules over the sources. The
// typechecker (`npm run typecheck`) already proves the types; this catches what it does not —
// unused code, floating mistakes, patterns that read as bugs.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.ibcm-lab/', 'out/', 'test-results/', 'playwright-report/', 'blob-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // `_name` marks a parameter or binding kept for its position or its shape.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The lab parses and escapes wire bytes (HTTP field values, XML, ANSI colours): control
      // characters in those patterns are the point, not a slip.
      'no-control-regex': 'off',
    },
  },
  {
    // Playwright reads a fixture's dependencies from its first parameter: `{}` means "none".
    files: ['suites/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
