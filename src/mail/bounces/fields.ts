/**
 * A reader for the "Name: value" field blocks of RFC 3464 delivery-status and RFC 5965
 * feedback-report bodies. Both reuse RFC 5322 header syntax, with a blank line between
 * the per-message block and each per-recipient block.
 */

/** One field, name lower-cased, folded continuation lines joined by a space. */
export interface Field {
  name: string;
  value: string;
}

const FIELD = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/;

/**
 * Splits a field body into blocks (separated by blank lines) of fields, in order.
 * Lines that are neither a field nor a continuation are skipped: real reports carry
 * stray prose and broken folding, and one bad line must not lose the rest.
 */
export function parseFieldBlocks(text: string): Field[][] {
  const blocks: Field[][] = [];
  let current: Field[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (current.length > 0) blocks.push(current);
      current = [];
      continue;
    }
    const last = current[current.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value = `${last.value} ${line.trim()}`.trim();
      continue;
    }
    const m = FIELD.exec(line);
    if (m) current.push({ name: m[1]!.toLowerCase(), value: m[2]!.trim() });
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/** The first value of `name` in a list of fields, or null. */
export function fieldValue(fields: readonly Field[], name: string): string | null {
  for (const f of fields) if (f.name === name) return f.value;
  return null;
}

/** Every value of `name`, in order (Original-Rcpt-To and Reported-Domain may repeat). */
export function fieldValues(fields: readonly Field[], name: string): string[] {
  return fields.filter((f) => f.name === name).map((f) => f.value);
}

/**
 * The header block of a message held as text (message/rfc822 or text/rfc822-headers),
 * parsed into fields. Stops at the first blank line, the end of the header section.
 */
export function parseHeaderBlock(text: string): Field[] {
  // Some MTAs put a blank line before the quoted headers; skip it, not the headers.
  const body = text.replace(/^(?:[ \t]*\r?\n)+/, '');
  const end = body.search(/\r?\n[ \t]*\r?\n/);
  const head = end < 0 ? body : body.slice(0, end);
  return parseFieldBlocks(head)[0] ?? [];
}
