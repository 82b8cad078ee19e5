// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'dist/**', 'coverage/**', 'functions/dashboard/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Everything under functions/ must run unchanged on Node, Deno and workerd.
    files: ['functions/**/*.ts', 'schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: 'functions/ and schemas/ use Web-standard APIs only; Node-only code lives in scripts/ or deploy/.' },
          { group: ['pg', 'kafkajs', 'ws', 'chdb', 'fs', 'path', 'net', 'http', 'crypto', 'os', 'child_process'], message: 'Not Web-standard: inject it from scripts/ or deploy/.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'Not Web-standard: pass configuration in explicitly.' },
        { name: 'Buffer', message: 'Use Uint8Array / TextEncoder.' },
        { name: 'require', message: 'ESM only.' },
      ],
    },
  },
);
