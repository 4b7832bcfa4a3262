import { describe, expect, inject, it } from 'vitest';
import { SocketSmtpTransport } from '../../adapters/mail/cloudflare-socket/socket-smtp-transport.ts';
import { cloudflareConnect } from './socket-connect.ts';
import '../../../test/helpers/workers-provided.ts';

const mail = { from: 'bounces+msg_1@agents.test', to: ['a@remote.test'], raw: new TextEncoder().encode('Subject: x\r\n\r\nx\r\n') };

describe('SMTP over cloudflare:sockets in workerd', () => {
  it('reports a relay that refuses the connection as a retryable outcome, never a throw', async () => {
    const t = new SocketSmtpTransport({ url: 'smtp://127.0.0.1:9', connect: cloudflareConnect, clientName: 'agents.test', commandTimeoutMs: 5000 });
    const out = await t.send(mail);
    expect(out).toMatchObject({ ok: false, permanent: false });
    expect(!out.ok && out.response).toMatch(/^connection: /);
  });

  it('delivers to a real SMTP server (smtp-server in Node), dot-stuffed, with per-recipient outcomes', async () => {
    const t = new SocketSmtpTransport({ url: `smtp://127.0.0.1:${inject('smtpSinkPort')}`, connect: cloudflareConnect, clientName: 'agents.test', commandTimeoutMs: 5000 });
    const tag = crypto.randomUUID();
    const raw = new TextEncoder().encode(`Subject: ${tag}\r\n\r\nfirst line\r\n.leading dot\r\n`);
    const out = await t.send({ from: 'bounces+msg_2@agents.test', to: ['a@remote.test', 'refused@remote.test'], raw });
    expect(out).toMatchObject({ ok: true });
    expect(out.ok && out.refused?.map((r) => [r.recipient, r.permanent])).toEqual([['refused@remote.test', true]]);
    const received = (await (await fetch(inject('smtpSinkInboxUrl'))).json()) as Array<{ from: string; to: string[]; raw: string }>;
    const mine = received.find((m) => m.raw.includes(tag));
    expect(mine).toMatchObject({ from: 'bounces+msg_2@agents.test', to: ['a@remote.test'] });
    expect(mine!.raw).toContain('\r\n.leading dot\r\n');
  });
});
