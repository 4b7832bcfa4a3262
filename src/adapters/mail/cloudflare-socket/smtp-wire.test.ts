import { describe, expect, it } from 'vitest';
import { encodeData, extensions, pathArg, ReplyReader, SmtpProtocolError } from './smtp-wire.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b);

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(bytes(chunk));
      c.close();
    },
  });
}

describe('encodeData', () => {
  it('doubles a leading dot on every line and ends with the terminator', () => {
    expect(text(encodeData(bytes('a\r\n.b\r\n..c\r\n')))).toBe('a\r\n..b\r\n...c\r\n.\r\n');
  });

  it('turns bare LF and bare CR into CRLF, and a dot after either is still at a line start', () => {
    expect(text(encodeData(bytes('a\n.b\rc')))).toBe('a\r\n..b\r\nc\r\n.\r\n');
  });

  it('adds the missing final CRLF before the terminator, and keeps 8-bit bytes as they are', () => {
    const raw = new Uint8Array([0x61, 0xe9, 0xff]);
    expect([...encodeData(raw)]).toEqual([0x61, 0xe9, 0xff, 13, 10, 46, 13, 10]);
  });

  it('a body that is a single dot cannot end the message early', () => {
    expect(text(encodeData(bytes('.\r\n')))).toBe('..\r\n.\r\n');
    expect(text(encodeData(bytes('')))).toBe('.\r\n');
  });
});

describe('ReplyReader', () => {
  it('joins a multiline reply split across chunks, then reads the next one', async () => {
    const r = new ReplyReader(streamOf('250-smtp.example Hello\r\n250-SIZE 1000', '\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n', '354 go ahead\r\n'));
    const ehlo = await r.read();
    expect(ehlo).toEqual({ code: 250, lines: ['smtp.example Hello', 'SIZE 1000', 'STARTTLS', 'AUTH PLAIN LOGIN'] });
    expect([...extensions(ehlo)]).toEqual([['SIZE', '1000'], ['STARTTLS', ''], ['AUTH', 'PLAIN LOGIN']]);
    expect(await r.read()).toEqual({ code: 354, lines: ['go ahead'] });
  });

  it('accepts a bare LF line end and a code without text', async () => {
    const r = new ReplyReader(streamOf('220\n'));
    expect(await r.read()).toEqual({ code: 220, lines: [''] });
  });

  it('rejects what is not a reply, a code change mid-reply, and an early close', async () => {
    await expect(new ReplyReader(streamOf('HTTP/1.1 400 Bad\r\n')).read()).rejects.toThrow(SmtpProtocolError);
    await expect(new ReplyReader(streamOf('250-a\r\n550 b\r\n')).read()).rejects.toThrow(/code changed/);
    await expect(new ReplyReader(streamOf('250-a\r\n')).read()).rejects.toThrow(/closed/);
  });

  it('gives up on a line longer than any SMTP reply', async () => {
    await expect(new ReplyReader(streamOf('2'.repeat(5000))).read()).rejects.toThrow(/too long/);
  });
});

describe('pathArg', () => {
  it('brackets an address and refuses one that would inject a command', () => {
    expect(pathArg('a@b.example')).toBe('<a@b.example>');
    expect(() => pathArg('a@b.example>\r\nRCPT TO:<c@d.example')).toThrow(SmtpProtocolError);
    expect(() => pathArg('a b@c.example')).toThrow(SmtpProtocolError);
  });
});
