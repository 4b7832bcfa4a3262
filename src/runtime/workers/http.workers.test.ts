import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from './config.ts';
import type { BreakwaterEnv } from './env.ts';
import { handleFetch } from './http.ts';

const without = (patch: Partial<Record<keyof BreakwaterEnv, unknown>>) => ({ ...env, ...patch }) as BreakwaterEnv;

describe('the Worker before it is configured', () => {
  // First in this file's isolate: no composition is cached yet, and a failed one never is.
  it('answers 503 naming BREAKWATER_OPERATOR_TOKEN, keeps liveness, and recovers once it is set', async () => {
    const unset = without({ BREAKWATER_OPERATOR_TOKEN: undefined });
    const res = await handleFetch(new Request('https://bw.test/v1/inboxes'), unset, createExecutionContext());
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await res.json<Record<string, string>>();
    expect(body).toMatchObject({ status: 503, code: 'not_configured' });
    expect(body.detail).toMatch(/^BREAKWATER_OPERATOR_TOKEN: required on Workers/);
    expect(res.headers.get('retry-after')).toBe('60');
    expect((await handleFetch(new Request('https://bw.test/healthz'), unset, createExecutionContext())).status).toBe(200);

    // No key to seal webhook secrets and DKIM keys with: refused the same way, never derived.
    const keyless = await handleFetch(new Request('https://bw.test/v1/inboxes'), without({ BREAKWATER_SECRET_KEY: undefined }), createExecutionContext());
    expect(keyless.status).toBe(503);
    expect((await keyless.json<Record<string, string>>()).detail).toMatch(/^BREAKWATER_SECRET_KEY: required on Workers/);

    const ready = await handleFetch(new Request('https://bw.test/readyz'), env, createExecutionContext());
    expect(ready.status).toBe(200);
  });
});

describe('loadWorkerConfig', () => {
  it('applies the defaults of DESIGN §7 and parses booleans', () => {
    const c = loadWorkerConfig(without({ BREAKWATER_WEBHOOK_ALLOW_PRIVATE: 'yes', BREAKWATER_DOMAIN: 'Agents.Example.com' }));
    expect(c).toMatchObject({ BREAKWATER_DOMAIN: 'agents.example.com', BREAKWATER_WEBHOOK_ALLOW_PRIVATE: true, BREAKWATER_KEY_RATE: 20 });
    expect(c.BREAKWATER_SMTP_RELAY).toBeUndefined();
  });

  it('names the bad variable in one line, without echoing secrets', () => {
    expect(() => loadWorkerConfig(without({ BREAKWATER_SMTP_RELAY: 'http://user:secret@relay' }))).toThrow(
      new WorkerConfigError('BREAKWATER_SMTP_RELAY: must be an smtp:// or smtps:// URL (got [redacted])'),
    );
    expect(() => loadWorkerConfig(without({ BREAKWATER_KEY_RATE: 'fast' }))).toThrow(/^BREAKWATER_KEY_RATE: must be a number \(got "fast"\)$/);
  });
});
