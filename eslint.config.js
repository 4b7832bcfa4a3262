import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'fs', 'path', 'net', 'crypto', 'better-sqlite3', 'ioredis', 'pg', 'smtp-server', 'nodemailer', 'pino', 'selfsigned'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'test-artifacts/**', '.wrangler/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Core, HTTP and mail code must also run on Workers (DESIGN §2): Web standards only. So must
    // the SDK (Node, Workers, Deno, browsers) and the MCP server (mounted in the HTTP app).
    files: ['src/core/**/*.ts', 'src/http/**/*.ts', 'src/mail/**/*.ts', 'src/sdk/**/*.ts', 'src/mcp/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: nodeOnly.map((group) => ({ group: [group], message: 'Node-only module: keep it in src/runtime/node or src/adapters.' })) }],
    },
  },
  {
    // Tests read JSON answers of many shapes; `any` there is a convenience, not a design.
    files: ['test/**/*.ts', '**/*.test.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } },
  },
);
