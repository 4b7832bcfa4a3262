import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One thing a fuzzed client does: send bytes (a line and its CRLF, or anything), or hang up at once. */
export type Step = { bytes: Buffer } | { close: true };

/**
 * A whole session: its steps, and whether they go out in one write (pipelined) or one by one.
 * With `tls`, EHLO and STARTTLS come first and the steps run inside TLS (RFC 3207): the state
 * the server keeps across the upgrade is fuzzed too.
 */
export interface Session {
  steps: Step[];
  pipelined: boolean;
  tls?: boolean;
}

/** Every reply line the server wrote, and whether the server closed the connection itself. */
export interface Transcript {
  lines: string[];
  closedByServer: boolean;
}

const QUIET_MS = 150;

/**
 * Plays `session` against the MX and collects what it answers, until the server closes the
 * connection or stays quiet for a moment after the last step. Never throws on what the
 * server does; a connection error is part of the transcript.
 */
export async function play(port: number, session: Session): Promise<Transcript> {
  const plain = connect(port, '127.0.0.1');
  plain.on('error', () => {});
  let data = '';
  let closedByServer = false;
  let lastData = Date.now();
  const listen = (sock: Socket) => {
    sock.on('data', (chunk: Buffer) => { data += chunk.toString('latin1'); lastData = Date.now(); });
    sock.once('end', () => { closedByServer = true; });
    return new Promise<void>((resolve) => sock.once('close', () => resolve()));
  };
  let closed = listen(plain);
  await new Promise<void>((resolve) => { plain.once('connect', resolve); plain.once('close', resolve); });
  // Wait for the greeting: smtp-server answers early talkers with 421.
  await until(() => data.includes('\r\n') || plain.destroyed, 2000);
  let socket: Socket = plain;
  if (session.tls) socket = await upgrade(plain, () => data, (tls) => { closed = listen(tls); });

  let hungUp = false;
  if (session.pipelined) {
    const cut = session.steps.findIndex((s) => 'close' in s);
    const bytes = session.steps.slice(0, cut < 0 ? undefined : cut).map((s) => (s as { bytes: Buffer }).bytes);
    if (!socket.destroyed) socket.write(Buffer.concat(bytes));
    if (cut >= 0) hungUp = true;
  } else {
    for (const step of session.steps) {
      if (socket.destroyed) break;
      if ('close' in step) { hungUp = true; break; }
      socket.write(step.bytes);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  if (hungUp) socket.destroy();
  else await until(() => socket.destroyed || closedByServer || Date.now() - lastData > QUIET_MS, 5000);
  socket.destroy();
  plain.destroy();
  await closed;
  const lines = data.split('\r\n');
  // A reply cut off by our own hang-up is not the server's fault.
  const complete = hungUp ? lines.slice(0, -1) : lines;
  return { lines: complete.filter((l, i) => l !== '' || i < complete.length - 1), closedByServer };
}

/**
 * EHLO, STARTTLS and the TLS handshake on `plain`; answers the TLS socket, or `plain` itself
 * when the server refused or the handshake failed (the transcript says which).
 */
async function upgrade(plain: Socket, transcript: () => string, onTls: (tls: Socket) => void): Promise<Socket> {
  const replied = (code: string) => new RegExp(`(^|\\r\\n)${code} [^\\r]*\\r\\n$`).test(transcript());
  plain.write('EHLO fuzz.example.net\r\n');
  await until(() => replied('250') || plain.destroyed, 2000);
  plain.write('STARTTLS\r\n');
  await until(() => replied('220') || /(^|\r\n)[45]\d\d [^\r]*\r\n$/.test(transcript()) || plain.destroyed, 2000);
  if (!replied('220') || plain.destroyed) return plain;
  // The test server's certificate is self-signed: the fuzz is about the session, not the chain.
  const tls = tlsConnect({ socket: plain, rejectUnauthorized: false });
  tls.on('error', () => {});
  onTls(tls);
  const ok = await new Promise<boolean>((resolve) => { tls.once('secureConnect', () => resolve(true)); tls.once('close', () => resolve(false)); });
  return ok ? tls : plain;
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

/**
 * What is wrong with a transcript, or null: every line is a reply line (`NNN ` or `NNN-`,
 * 2xx–5xx, RFC 5321 §4.2), and every failure reply carries an enhanced status code of its
 * class (RFC 2034 §4).
 */
export function replyProblem(t: Transcript): string | null {
  for (const line of t.lines) {
    const m = /^([2-5])\d\d([ -])(.*)$/s.exec(line);
    if (!m) return `not a reply line: ${JSON.stringify(line.slice(0, 200))}`;
    if (m[1] === '4' || m[1] === '5') {
      if (!new RegExp(`^${m[1]}\\.\\d{1,3}\\.\\d{1,3} `).test(m[3]!)) return `no enhanced status: ${JSON.stringify(line.slice(0, 200))}`;
    }
  }
  return null;
}

/**
 * A corpus file (test/fuzz/corpus/smtp/*.txt): one client line per file line, sent with
 * CRLF; `\r`, `\n`, `\0`, `\\` and `\xHH` escapes give any byte; `{inbox}` is a hosted
 * mailbox; `!close` hangs up there; `!pipelined` and `!starttls` on the first lines send
 * everything in one write and run the session inside TLS; lines starting with `#` are comments.
 */
export function readCorpus(path: string, inbox: string): Session {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const flags = new Set<string>();
  while (lines[0] === '!pipelined' || lines[0] === '!starttls') flags.add(lines.shift()!);
  const pipelined = flags.has('!pipelined');
  const steps: Step[] = [];
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    if (line === '!close') { steps.push({ close: true }); continue; }
    steps.push({ bytes: Buffer.concat([unescape(line.replaceAll('{inbox}', inbox)), Buffer.from('\r\n')]) });
  }
  return { steps, pipelined, tls: flags.has('!starttls') };
}

function unescape(s: string): Buffer {
  const parts: Buffer[] = [];
  let text = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\' || i + 1 >= s.length) { text += s[i]; continue; }
    const c = s[++i];
    const flush = (b: Buffer) => { parts.push(Buffer.from(text, 'utf8'), b); text = ''; };
    if (c === 'r') flush(Buffer.from([0x0d]));
    else if (c === 'n') flush(Buffer.from([0x0a]));
    else if (c === '0') flush(Buffer.from([0x00]));
    else if (c === 'x') { flush(Buffer.from([parseInt(s.slice(i + 1, i + 3), 16)])); i += 2; }
    else text += c;
  }
  parts.push(Buffer.from(text, 'utf8'));
  return Buffer.concat(parts);
}
