import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

const workersTests = ['src/**/*.workers.test.ts', 'test/workers/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...workersTests, '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        // Inside Cloudflare's workerd runtime (Miniflare), with the bindings of wrangler.jsonc.
        plugins: [cloudflareTest({
          wrangler: { configPath: './wrangler.jsonc' },
          // A secret in production (`wrangler secret put`); fixed here so CI needs no .dev.vars.
          miniflare: { bindings: { BREAKWATER_OPERATOR_TOKEN: 'test-operator-token-for-workerd', BREAKWATER_SECRET_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' } },
        })],
        test: { name: 'workers', include: workersTests, globalSetup: ['test/helpers/workers-global-setup.ts'], testTimeout: 30_000, hookTimeout: 60_000 },
      },
    ],
  },
});
