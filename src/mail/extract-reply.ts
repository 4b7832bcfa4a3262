/**
 * `extracted_text`: the new part of a reply, without the quoted history and the signature, so
 * an agent reads what the person wrote and not the thread again (DESIGN §1 "Agent safety").
 * Pure string work, Web standards only. Heuristics in the spirit of GitHub's email_reply_parser
 * and Mailgun's talon, covering the clients that write most mail:
 *
 * - a hard cut at a forwarded-history block: Outlook's `-----Original Message-----`, a line of
 *   underscores or a `From:` line followed by `Sent:`/`Date:` and `To:`/`Subject:` (also in
 *   German, French, Spanish, Portuguese, Italian, Dutch); Gmail's "On … wrote:" when no `>`
 *   quote follows it (clients that paste the history unquoted);
 * - `>` quoted lines dropped wherever they are, so answers written between quotes stay, with the
 *   attribution line ("On … wrote:", "Am … schrieb …:", "Le … a écrit :", …) above them;
 * - the signature after an RFC 3676 §4.3 `-- ` line, and mobile footers ("Sent from my iPhone").
 *
 * When nothing is left (a message that is all quote), the whole text is returned: losing what
 * was said would be worse than repeating it.
 */
import { htmlToText } from './html-text.ts';

/** Attribution lines that open with a word of their language: these may wrap over up to 3 lines (Gmail wraps at 78). */
const ATTRIBUTION_OPENED = [
  /^on\b.{0,300}\bwrote:$/i, // en (Gmail, Apple Mail, Thunderbird)
  /^am\b.{0,300}\bschrieb\b.{0,200}:$/i, // de
  /^le\b.{0,300}\ba écrit\s?:$/i, // fr
  /^el\b.{0,300}\bescribió:$/i, // es
  /^il\b.{0,300}\bha scritto:$/i, // it
  /^(em|no dia)\b.{0,300}\bescreveu:$/i, // pt
  /^op\b.{0,300}\bschreef\b.{0,200}:$/i, // nl
  /^(den|på)\b.{0,300}\bskrev\b.{0,200}:$/i, // sv, da, no
  /^(w dniu|dnia)\b.{0,300}\bnapisał(a|\(a\))?:$/i, // pl
];

/** Attributions recognised only by their ending: one line only, or a sentence above would be taken in. */
const ATTRIBUTION_ENDED = [
  /^.{0,300}\s(написал|написала|написал\(а\)):$/i, // ru (\b is ASCII-only in JS)
  /^.{0,300}\bnapsal(a)?:$/i, // cs
  /^.{0,300}\bkirjoitti:$/i, // fi
  /^.{0,300}\byazdı:$/i, // tr
  /^.{0,300}写道[:：]$/, // zh
  /^.{0,300}のメッセージ[:：]?$/, // ja (Apple Mail, Outlook)
  /^.{1,300}(<[^<>\s]+@[^<>\s]+>|\bwrote)\s?(wrote|escribió|a écrit|schrieb|ha scritto|escreveu|schreef|skrev)?:$/i, // "Name <a@b> wrote:"
];

const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(original message|message d'origine|ursprüngliche nachricht|mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|originalmeddelande)\s*-{2,}\s*$/i;
const HEADER_FROM = /^\s*\*?(from|von|de|da|van|från|fra)\s?:\*?\s/i;
const HEADER_SENT = /^\s*\*?(sent|date|gesendet|datum|envoyé|date|enviado|fecha|inviato|data|verzonden|skickat|sendt)\s?:\*?\s/i;
const HEADER_TO = /^\s*\*?(to|an|à|para|a|aan|till|til|subject|betreff|objet|asunto|oggetto|assunto|onderwerp|ämne|emne)\s?:\*?\s/i;
const UNDERSCORES = /^\s*_{10,}\s*$/;
const SIGNATURE = /^-- ?$/;
const MOBILE_FOOTER = /^(sent from my \w+|sent from (mail|outlook|yahoo mail|samsung)\b.*|get outlook for (ios|android).*|envoyé de mon \w+|von meinem \w+ gesendet|enviado desde mi \w+)\s*$/i;
const QUOTED = /^\s*>/;

/**
 * The reply without quoted history and signature. `text` is the plain-text part; without one,
 * the HTML part is reduced to text first (Gmail's `gmail_quote`, Outlook's `divRplyFwdMsg` and
 * `<blockquote type="cite">` containers are cut there). Null when the message has neither.
 */
export function extractReply(text: string | null, html: string | null = null): string | null {
  const source = text ?? (html !== null ? htmlToText(html, { dropQuotes: true }) : null);
  if (source === null) return null;
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const cut = firstHistoryLine(lines);
  const kept: string[] = [];
  for (let i = 0; i < cut; i++) {
    const line = lines[i]!;
    if (SIGNATURE.test(line)) break;
    if (QUOTED.test(line)) continue;
    const span = attributionSpan(lines, i, cut);
    if (span > 0) {
      i += span - 1;
      continue;
    }
    kept.push(line.replace(/\s+$/, ''));
  }
  while (kept.length > 0 && (kept[kept.length - 1] === '' || MOBILE_FOOTER.test(kept[kept.length - 1]!))) kept.pop();
  while (kept.length > 0 && kept[0] === '') kept.shift();
  const out = kept.join('\n').replace(/\n{3,}/g, '\n\n');
  return out.trim() === '' ? source.trim() : out;
}

/** Lines (1–3) forming an attribution at `i` that a `>` quote follows, or 0. */
function attributionSpan(lines: string[], i: number, end: number): number {
  const n = attributionLines(lines, i, end);
  if (n > 0) {
    let j = i + n;
    while (j < end && lines[j]!.trim() === '') j++;
    return j < end && QUOTED.test(lines[j]!) ? n : 0;
  }
  return 0;
}

/**
 * How many lines (1–3, none blank) form an attribution at `i`; 0 when none does. `opened`
 * admits only the forms that open with their language's word ("On … wrote:"): a line merely
 * ending in "wrote:" ("Here is what Bob wrote:") must not cut the rest of a message.
 */
function attributionLines(lines: string[], i: number, end: number, opened = false): number {
  const first = lines[i]!.trim();
  if (first === '') return 0;
  if (!opened && ATTRIBUTION_ENDED.some((re) => re.test(first))) return 1;
  for (let n = 1; n <= 3 && i + n <= end; n++) {
    if (n > 1 && lines[i + n - 1]!.trim() === '') return 0;
    const joined = lines.slice(i, i + n).map((l) => l.trim()).join(' ');
    if (ATTRIBUTION_OPENED.some((re) => re.test(joined))) return n;
  }
  return 0;
}

/** The index of the first line of unquoted history, or `lines.length`. */
function firstHistoryLine(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (UNDERSCORES.test(line) && headerBlockAt(lines, i + 1)) return i;
    if (HEADER_FROM.test(line) && headerBlockAt(lines, i)) return i;
    if (QUOTED.test(line)) continue;
    // An attribution with no `>` quote after it introduces history pasted as is.
    if (attributionLines(lines, i, lines.length, true) > 0 && attributionSpan(lines, i, lines.length) === 0) return i;
  }
  return lines.length;
}

/** A quoted header block (Outlook): From:, then within three lines Sent:/Date: and To:/Subject:. */
function headerBlockAt(lines: string[], i: number): boolean {
  let j = i;
  while (j < lines.length && lines[j]!.trim() === '') j++;
  if (j >= lines.length || !HEADER_FROM.test(lines[j]!)) return false;
  const next = lines.slice(j + 1, j + 5);
  return next.some((l) => HEADER_SENT.test(l)) && next.some((l) => HEADER_TO.test(l));
}
