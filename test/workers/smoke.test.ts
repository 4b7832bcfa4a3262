import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';

it('runs inside workerd with the D1 binding', async () => {
  const row = await env.DB.prepare('select 1 + 1 as two').first<{ two: number }>();
  expect(row?.two).toBe(2);
});
