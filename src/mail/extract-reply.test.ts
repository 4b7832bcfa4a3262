import { describe, expect, it } from 'vitest';
import { extractReply } from './extract-reply.ts';

const lines = (...l: string[]) => l.join('\n');

/** Realistic replies as mail clients write them, and the part an agent should read. */
const CASES: Array<{ name: string; text: string; want: string }> = [
  {
    name: 'Gmail top-post with a two-line attribution',
    text: lines(
      'Thanks, Friday works for me.',
      '',
      'On Tue, Jan 14, 2025 at 10:00 AM Agent Seven <',
      'agent-7@agents.example.com> wrote:',
      '',
      '> Can we meet on Friday?',
      '>',
      '> --',
      '> Agent Seven',
    ),
    want: 'Thanks, Friday works for me.',
  },
  {
    name: 'Apple Mail with a signature and an iPhone footer',
    text: lines(
      'Yes, please send the invoice.',
      '',
      'Sent from my iPhone',
      '',
      '> On Jan 14, 2025, at 10:00, Agent Seven <agent-7@agents.example.com> wrote:',
      '>',
      '> Shall I send the invoice?',
    ),
    want: 'Yes, please send the invoice.',
  },
  {
    name: 'Outlook desktop: Original Message separator',
    text: lines(
      'Approved.',
      '',
      'Regards,',
      'Ana',
      '',
      '-----Original Message-----',
      'From: Agent Seven <agent-7@agents.example.com>',
      'Sent: Tuesday, January 14, 2025 10:00 AM',
      'To: Ana Díaz <ana@example.net>',
      'Subject: Budget',
      '',
      'Please approve the budget.',
    ),
    want: lines('Approved.', '', 'Regards,', 'Ana'),
  },
  {
    name: 'Outlook: underscore line and a From/Sent/To block',
    text: lines(
      'See the attached numbers.',
      '',
      '________________________________',
      'From: Agent Seven <agent-7@agents.example.com>',
      'Sent: Tuesday, January 14, 2025 10:00',
      'To: Ana Díaz',
      'Subject: Numbers',
      '',
      'Can you send the numbers?',
    ),
    want: 'See the attached numbers.',
  },
  {
    name: 'Outlook in German, From block without a separator',
    text: lines(
      'Passt, danke!',
      '',
      'Von: Agent Seven <agent-7@agents.example.com>',
      'Gesendet: Dienstag, 14. Januar 2025 10:00',
      'An: Jonas <jonas@example.de>',
      'Betreff: Termin',
      '',
      'Passt Freitag?',
    ),
    want: 'Passt, danke!',
  },
  {
    name: 'French attribution',
    text: lines('Parfait, merci.', '', 'Le mar. 14 janv. 2025 à 10:00, Agent Seven <agent-7@agents.example.com> a écrit :', '> Vendredi ?'),
    want: 'Parfait, merci.',
  },
  {
    name: 'Spanish attribution',
    text: lines('De acuerdo.', '', 'El mar, 14 ene 2025 a las 10:00, Agent Seven (<agent-7@agents.example.com>) escribió:', '> ¿El viernes?'),
    want: 'De acuerdo.',
  },
  {
    name: 'German attribution (Thunderbird)',
    text: lines('Gerne.', '', 'Am 14.01.25 um 10:00 schrieb Agent Seven:', '> Freitag?'),
    want: 'Gerne.',
  },
  {
    name: 'bottom-posting keeps the answer below the quote',
    text: lines('On Tue, Jan 14, 2025 at 10:00 AM Agent Seven wrote:', '> Which plan do you want?', '', 'The pro plan.'),
    want: 'The pro plan.',
  },
  {
    name: 'interleaved answers stay, quotes go',
    text: lines(
      'Agent Seven wrote:',
      '> 1. Do you want the report weekly?',
      'Yes, weekly.',
      '> 2. As PDF?',
      'No, as CSV.',
    ),
    want: lines('Yes, weekly.', 'No, as CSV.'),
  },
  {
    name: 'RFC 3676 signature delimiter',
    text: lines('Works for me.', '', '-- ', 'Ana Díaz', 'Head of Finance, Example'),
    want: 'Works for me.',
  },
  {
    name: 'unquoted history after an attribution is cut',
    text: lines('Confirmed.', '', 'On Tue, Jan 14, 2025 at 10:00 AM Agent Seven wrote:', 'Can you confirm the order?'),
    want: 'Confirmed.',
  },
  {
    name: 'a message that is all quote keeps its text',
    text: lines('> just forwarding this', '> as is'),
    want: lines('> just forwarding this', '> as is'),
  },
  {
    name: 'CRLF line endings',
    text: 'Sounds good.\r\n\r\nOn Mon, Jan 13, 2025 at 9:00 AM Bob <bob@example.org> wrote:\r\n> Lunch?\r\n',
    want: 'Sounds good.',
  },
  {
    name: 'a sentence ending in "wrote:" does not cut what follows',
    text: lines('Here is what the auditor wrote:', '', 'All accounts reconcile.', '', 'Ana'),
    want: lines('Here is what the auditor wrote:', '', 'All accounts reconcile.', '', 'Ana'),
  },
  {
    name: 'Russian attribution',
    text: lines('Хорошо, договорились.', '', '14 янв. 2025 г., в 10:00, Agent Seven <agent-7@agents.example.com> написал:', '> В пятницу?'),
    want: 'Хорошо, договорились.',
  },
  {
    name: 'a plain message is kept whole',
    text: lines('Hello,', '', 'Here is the plan:', '- step one', '- step two', '', 'Ana'),
    want: lines('Hello,', '', 'Here is the plan:', '- step one', '- step two', '', 'Ana'),
  },
];

describe('extractReply', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(extractReply(c.text)).toBe(c.want);
    });
  }

  it('is null without a text or HTML part', () => {
    expect(extractReply(null, null)).toBeNull();
  });

  it('reduces an HTML-only Gmail reply and cuts at gmail_quote', () => {
    const html = '<div dir="ltr">Thanks &amp; see you <b>Friday</b>.<br><br>Ana</div><br>'
      + '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Jan 14, 2025 Agent Seven wrote:<br></div>'
      + '<blockquote class="gmail_quote">Friday?</blockquote></div>';
    expect(extractReply(null, html)).toBe('Thanks & see you Friday.\n\nAna');
  });

  it('cuts an Outlook HTML reply at divRplyFwdMsg', () => {
    const html = '<html><head><style>p{}</style></head><body><p>OK&nbsp;for me.</p>'
      + '<hr><div id="divRplyFwdMsg"><b>From:</b> Agent Seven<br><b>Sent:</b> Tuesday</div><p>Is it OK?</p></body></html>';
    expect(extractReply(null, html)).toBe('OK for me.');
  });

  it('prefers the text part over the HTML part', () => {
    expect(extractReply('plain answer', '<p>html answer</p>')).toBe('plain answer');
  });
});
