/**
 * A small HTML-to-text reduction for mail without a text part: enough to read a reply, not a
 * renderer. Web standards only (no DOM on Workers), so it works on the markup as a string.
 */

/** Where mail clients start the quoted history or the signature in their HTML. */
const QUOTE_MARKERS = [
  /<div[^>]*class=["'][^"']*\bgmail_quote\b/i, // Gmail
  /<div[^>]*class=["'][^"']*\bgmail_signature\b/i,
  /<blockquote[^>]*type=["']cite["']/i, // Apple Mail, Thunderbird
  /<div[^>]*class=["'][^"']*\bmoz-cite-prefix\b/i, // Thunderbird's attribution line
  /<div[^>]*id=["']divRplyFwdMsg["']/i, // Outlook
  /<div[^>]*id=["']appendonsend["']/i, // Outlook on the web
  /<hr[^>]*id=["']stopSpelling["']/i, // Outlook.com
  /<div[^>]*class=["'][^"']*\byahoo_quoted\b/i, // Yahoo
];

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export interface HtmlToTextOptions {
  /** Cut at the first quote container (see QUOTE_MARKERS). */
  dropQuotes?: boolean;
}

/** Text of an HTML body: block elements become line breaks, tags go, entities are decoded. */
export function htmlToText(html: string, options: HtmlToTextOptions = {}): string {
  let s = html;
  if (options.dropQuotes) {
    let cut = s.length;
    for (const re of QUOTE_MARKERS) {
      const m = re.exec(s);
      if (m && m.index < cut) cut = m.index;
    }
    s = s.slice(0, cut);
  }
  s = s
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|pre|table)\s*>/gi, '\n')
    .replace(/<(p|div|li|tr|h[1-6]|blockquote|pre|table)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
