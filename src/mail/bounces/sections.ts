/**
 * Splitting a bounce's text into the MTA's report and the returned message it quotes,
 * and reading the few headers of that quoted message a parser needs.
 */

// Lines that introduce the returned message, as the MTAs in the corpus write them
// (Exim, qmail, Sendmail, Postfix, Gmail, GMX/1&1, IMail, Notes, OpenSMTPD, DMA, ...).
const CUT_PREFIX = /^[\s|>*=_-]*(?:this is a copy of (?:the|your) message|below this line is a copy of the message|below is a copy of the original message|included is a copy of the message header|the header of the original message is following|original message follows|original mail as follows|message headers follow|-+\s*original (?:message|mail))/i;
const CUT_LINE = /^[\s|>*=_-]*(?:original (?:message|mail)(?: headers?| info| text)?(?: follows| as follows)?|unsent message follows|returned message|message (?:text|headers?) follows?|(?:a )?copy of (?:the|your) (?:original )?message (?:follows|is below))[\s.:|*=_-]*$/i;
// A header line only the quoted message has: the report itself never starts a line so.
const QUOTED_HEADER = /^(?:Received|Return-Path|DKIM-Signature|X-Received|ARC-Seal|X-Google-Smtp-Source|Authentication-Results):/i;

/** A bounce text cut in two. */
export interface TextSections {
  /** The MTA's own words. */
  report: string;
  /** The returned message (or its headers), possibly empty. */
  quoted: string;
}

/** Cuts `text` at the first line that introduces the returned message. */
export function splitReport(text: string): TextSections {
  const lines = text.split('\n');
  let cut = lines.findIndex((l) => l.length < 120 && (CUT_PREFIX.test(l) || CUT_LINE.test(l)));
  if (cut < 0) cut = lines.findIndex((l) => QUOTED_HEADER.test(l));
  if (cut < 0) return { report: text, quoted: '' };
  return { report: lines.slice(0, cut).join('\n'), quoted: lines.slice(cut + 1).join('\n') };
}

/** Values of header `name` at the start of a line in `text` (a quoted header block). */
export function quotedHeaderValues(text: string, name: string): string[] {
  const re = new RegExp(`^[ \\t]*${name}[ \\t]*:[ \\t]*(.*)$`, 'gim');
  return [...text.matchAll(re)].map((m) => m[1]!.trim());
}

/**
 * A Message-ID header value as "<id>", or null. Reporters drop the angle brackets
 * ("Message-ID: abc@example.net") or fold a space into them; both still identify
 * the message, and the sender looks them up in the bracketed form.
 */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const angle = /<([^<>]*@[^<>]*)>/.exec(value);
  if (angle) return `<${angle[1]!.replace(/\s+/g, '')}>`;
  const bare = /[^\s<>"]+@[^\s<>"]+/.exec(value);
  return bare ? `<${bare[0]}>` : null;
}

/** The first Message-ID in `text` (quoted headers), with angle brackets, or null. */
export function quotedMessageId(text: string): string | null {
  const m = /^[ \t]*Message-I[Dd][ \t]*:[ \t]*((?:\r?\n[ \t]+)?[^\r\n]*)/im.exec(text);
  return m ? normalizeMessageId(m[1]) : null;
}
