import net from 'node:net';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendOverSmtp, type SmtpSocket } from './smtp-session.ts';
import { SocketSmtpTransport, type SmtpConnect } from './socket-smtp-transport.ts';

/** `cloudflare:sockets` stand-in on node:net: the same Web-stream shape, with startTls(). */
function webSocket(sock: net.Socket): SmtpSocket {
  let onData: (b: Buffer) => void = () => {};
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      onData = (b) => c.enqueue(new Uint8Array(b));
      sock.on('data', onData);
      sock.once('end', () => c.close());
      sock.once('error', (e) => c.error(e));
    },
  });
  const writable = new WritableStream<Uint8Array>({
    write: (chunk) => new Promise<void>((resolve, reject) => sock.write(chunk, (e) => (e ? reject(e) : resolve()))),
  });
  return {
    readable, writable,
    startTls() {
      sock.removeListener('data', onData);
      return webSocket(tls.connect({ socket: sock, rejectUnauthorized: false }));
    },
    close: async () => void sock.destroy(),
  };
}

const nodeConnect: SmtpConnect = (host, port, mode) =>
  webSocket(mode === 'on' ? tls.connect({ host, port, rejectUnauthorized: false }) : net.connect({ host, port }));

interface Received { from: string; to: string[]; raw: string; secure: boolean; user: string | undefined }

describe('SocketSmtpTransport against smtp-server', () => {
  const received: Received[] = [];
  let port = 0;
  let silentPort = 0;
  const server = new SMTPServer({
    logger: false, disableReverseLookup: true, closeTimeout: 200, authMethods: ['PLAIN'], authOptional: true,
    onAuth(auth: SMTPServerAuthentication, _s: SMTPServerSession, cb: (err: Error | null, res?: { user: string }) => void) {
      if (auth.username === 'relay' && auth.password === 'p@ss:word') return cb(null, { user: 'relay' });
      cb(Object.assign(new Error('5.7.8 bad credentials'), { responseCode: 535 }));
    },
    onMailFrom(address: SMTPServerAddress, _s: SMTPServerSession, cb: (err?: Error | null) => void) {
      if (address.address.startsWith('busy')) return cb(Object.assign(new Error('4.3.2 try later'), { responseCode: 451 }));
      cb();
    },
    onRcptTo(address: SMTPServerAddress, _s: SMTPServerSession, cb: (err?: Error | null) => void) {
      if (address.address.startsWith('gone')) return cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      if (address.address.startsWith('later')) return cb(Object.assign(new Error('4.2.1 mailbox busy'), { responseCode: 450 }));
      cb();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('latin1'), secure: session.secure, user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  // Greets, then never answers: the per-reply deadline must end the attempt.
  const silent = net.createServer((s) => s.write('220 silent ESMTP\r\n'));

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    silent.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const transport = (url: string, timeouts: { commandTimeoutMs?: number } = {}) =>
    new SocketSmtpTransport({ url, connect: nodeConnect, clientName: 'agents.test', ...timeouts });
  const mail = (to: string[], raw = 'Subject: hi\r\n\r\nbody\r\n', from = 'bounces+msg_1@agents.test') => ({ from, to, raw: new TextEncoder().encode(raw) });

  it('upgrades with STARTTLS, authenticates with PLAIN, and sends the body dot-stuffed with CRLF', async () => {
    const out = await transport(`smtp://relay:${encodeURIComponent('p@ss:word')}@127.0.0.1:${port}`).send(mail(['a@remote.test'], 'Subject: dots\n\n.hidden line\nend'));
    expect(out).toMatchObject({ ok: true });
    expect(out.ok && out.response).toMatch(/^250 /);
    const got = received.at(-1)!;
    expect(got).toMatchObject({ from: 'bounces+msg_1@agents.test', to: ['a@remote.test'], secure: true, user: 'relay' });
    // smtp-server removes the stuffing: the relay reads the original lines, with CRLF.
    expect(got.raw).toBe('Subject: dots\r\n\r\n.hidden line\r\nend\r\n');
  });

  it('reports recipients the relay refused while it took the others, each with its permanence', async () => {
    const out = await transport(`smtp://127.0.0.1:${port}`).send(mail(['ok@remote.test', 'gone@remote.test', 'later@remote.test']));
    expect(out.ok).toBe(true);
    expect(out.ok && out.refused).toEqual([
      { recipient: 'gone@remote.test', permanent: true, response: expect.stringMatching(/^550 5\.1\.1/) },
      { recipient: 'later@remote.test', permanent: false, response: expect.stringMatching(/^450 4\.2\.1/) },
    ]);
    expect(received.at(-1)!.to).toEqual(['ok@remote.test']);
  });

  it('fails for good when every recipient is refused for good, and for now when one was only deferred', async () => {
    expect(await transport(`smtp://127.0.0.1:${port}`).send(mail(['gone1@remote.test', 'gone2@remote.test']))).toMatchObject({ ok: false, permanent: true });
    expect(await transport(`smtp://127.0.0.1:${port}`).send(mail(['gone1@remote.test', 'later@remote.test']))).toMatchObject({ ok: false, permanent: false });
  });

  it('maps a 4xx to MAIL FROM to a retry and a 535 to AUTH to a permanent failure', async () => {
    expect(await transport(`smtp://127.0.0.1:${port}`).send(mail(['a@remote.test'], 'x', 'busy@agents.test'))).toMatchObject({ ok: false, permanent: false, response: expect.stringMatching(/^451 /) });
    expect(await transport(`smtp://relay:wrong@127.0.0.1:${port}`).send(mail(['a@remote.test']))).toMatchObject({ ok: false, permanent: true, response: expect.stringMatching(/^535 /) });
  });

  it('does not send credentials without TLS to a relay that is not on loopback', async () => {
    const before = received.length;
    const out = await sendOverSmtp(nodeConnect('127.0.0.1', port, 'starttls'), mail(['a@remote.test']), {
      clientName: 'agents.test', auth: { user: 'relay', pass: 'p@ss:word' }, secure: false, allowPlainAuth: false, commandTimeoutMs: 5000, dataTimeoutMs: 5000,
    });
    // This server offers STARTTLS, so the upgrade happens and AUTH is allowed...
    expect(out.ok).toBe(true);
    const plain = new SMTPServer({ logger: false, disableReverseLookup: true, hideSTARTTLS: true, allowInsecureAuth: true, authOptional: true, closeTimeout: 200 });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      const plainPort = (plain.server.address() as net.AddressInfo).port;
      // ...and a server without it gets no credentials at all.
      const refused = await sendOverSmtp(nodeConnect('127.0.0.1', plainPort, 'starttls'), mail(['a@remote.test']), {
        clientName: 'agents.test', auth: { user: 'relay', pass: 'p@ss:word' }, secure: false, allowPlainAuth: false, commandTimeoutMs: 5000, dataTimeoutMs: 5000,
      });
      expect(refused).toMatchObject({ ok: false, permanent: true, response: expect.stringMatching(/credentials are not sent/) });
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
    expect(received.length).toBe(before + 1);
  });

  it('gives up on a relay that stops answering, and on one that refuses the connection, as retryable', async () => {
    const slow = await transport(`smtp://127.0.0.1:${silentPort}`, { commandTimeoutMs: 300 }).send(mail(['a@remote.test']));
    expect(slow).toMatchObject({ ok: false, permanent: false, response: expect.stringMatching(/no reply to EHLO within 300 ms/) });
    const closed = await transport('smtp://127.0.0.1:9').send(mail(['a@remote.test']));
    expect(closed).toMatchObject({ ok: false, permanent: false, response: expect.stringMatching(/^connection: .*ECONNREFUSED/) });
  });
});
