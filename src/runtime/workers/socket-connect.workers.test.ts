import { describe, expect, it } from 'vitest';
import { SocketSmtpTransport } from '../../adapters/mail/cloudflare-socket/socket-smtp-transport.ts';
import { cloudflareConnect } from './socket-connect.ts';

const mail = { from: 'bounces+msg_1@agents.test', to: ['a@remote.test'], raw: new TextEncoder().encode('Subject: x\r\n\r\nx\r\n') };

describe('SMTP over cloudflare:sockets in workerd', () => {
  it('reports a relay that refuses the connection as a retryable outcome, never a throw', async () => {
    const t = new SocketSmtpTransport({ url: 'smtp://127.0.0.1:9', connect: cloudflareConnect, clientName: 'agents.test', commandTimeoutMs: 5000 });
    const out = await t.send(mail);
    expect(out).toMatchObject({ ok: false, permanent: false });
    expect(!out.ok && out.response).toMatch(/^connection: /);
  });
});
