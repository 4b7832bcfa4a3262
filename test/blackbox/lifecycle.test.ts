import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../helpers/server.ts';

describe('process lifecycle', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers health and readiness with a request id', async () => {
    const health = await server.api('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toMatch(/^req_/);
    expect((await server.api('GET', '/readyz')).status).toBe(200);
  });

  it('exits 0 on SIGTERM', async () => {
    const other = await TestServer.start();
    expect(await other.stop()).toBe(0);
  });
});
