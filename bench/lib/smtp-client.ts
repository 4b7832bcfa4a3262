import { connect, type Socket } from 'node:net';

/**
 * A minimal SMTP client for load: one connection, commands one at a time, replies read
 * line by line. Written for the benchmarks so that Breakwater and the baseline server are
 * driven by exactly the same, cheap client (nodemailer's own overhead would dominate).
 */
export class BenchSmtpClient {
  private buffer = '';
  private waiters: Array<(line: string) => void> = [];
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        // Multi-line replies ("250-…") end with the line whose fourth character is a space.
        if (line[3] === '-') continue;
        this.waiters.shift()?.(line);
      }
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<BenchSmtpClient> {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const client = new BenchSmtpClient(socket);
    const greeting = await client.reply();
    if (!greeting.startsWith('220')) throw new Error(`greeting: ${greeting}`);
    await client.command('EHLO bench.localhost', '250');
    return client;
  }

  private reply(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async command(cmd: string, expect: string): Promise<string> {
    const reply = this.reply();
    this.socket.write(cmd + '\r\n');
    const line = await reply;
    if (!line.startsWith(expect)) throw new Error(`${cmd.split(' ')[0]}: ${line}`);
    return line;
  }

  /** One transaction; resolves on the final reply to DATA (250 = stored). */
  async send(from: string, to: string, raw: string): Promise<void> {
    await this.command(`MAIL FROM:<${from}>`, '250');
    await this.command(`RCPT TO:<${to}>`, '250');
    await this.command('DATA', '354');
    const reply = this.reply();
    this.socket.write(raw.replace(/\n\./g, '\n..') + '\r\n.\r\n');
    const line = await reply;
    if (!line.startsWith('250')) throw new Error(`DATA: ${line}`);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

/** A ~`size`-byte plain message with a unique Message-ID. */
export function benchMessage(n: number, to: string, size = 2048): string {
  const body = ('The quick brown fox jumps over the lazy dog. ').repeat(Math.ceil(size / 45)).slice(0, size);
  return [
    'From: bench@example.com', `To: ${to}`, `Subject: bench ${n}`, `Message-ID: <bench-${n}-${Date.now()}@example.com>`,
    'Date: ' + new Date().toUTCString(), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
    body.replace(/(.{76})/g, '$1\r\n'),
  ].join('\r\n');
}
