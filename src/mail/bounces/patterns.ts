/**
 * Diagnostic phrases per reason, in the order they are tried: the first match wins.
 * The order encodes which reading is safer when a reply says two things; rules that
 * keep a live address from being suppressed come first:
 *   1. complaints about the message format or the *sender* (its address, domain, IP,
 *      authentication) before any recipient reading, so "Sender address rejected:
 *      Domain not found" is a policy block, never a dead recipient domain;
 *   2. temporary conditions of a live mailbox (rate limits, full mailbox, size,
 *      suspension) before "user unknown", because a server that says both still holds
 *      the mailbox;
 *   3. dead-address phrases before the generic "rejected / denied / blocked" family.
 * Phrases come from the corpus (sisimai's test set) and from providers' published
 * error-code pages; they are matched against lower-cased text with whitespace folded,
 * addresses removed and URLs reduced to their host.
 */
import type { BounceReason } from './types.ts';

/** One rule: a reason and the phrases that mean it. */
export type PhraseRule = readonly [BounceReason, RegExp];

/** Joins groups of alternatives into one expression (each group is a plain `a|b|c`). */
function rule(reason: BounceReason, groups: readonly RegExp[]): PhraseRule {
  return [reason, new RegExp(groups.map((g) => g.source).join('|'))];
}

export const PHRASE_RULES: readonly PhraseRule[] = [
  // 1. The message's form, or the sender, is the problem.
  rule('content_rejected', [
    /duplicate header|header error|invalid header|multiple addresses in from/,
    /(?:not|non)[- ](?:rfc|compliant)/,
    /rfc ?(?:2822|5322|822)[ -]?(?:complian|standard|format|section)/,
    /missing (?:required )?(?:header|date|message-id)|line (?:limit|length) exceeded/,
    /line too long|protocol violation/,
  ]),
  rule('spam_block', [
    /spam classification/,
    /(?:classified|identified|detected|flagged|considered) as (?:spam|junk|bulk)|spam detected/,
    /looks like spam|message (?:content )?rejected, ube|\bube\b/,
  ]),
  rule('authentication_failed', [
    /\bdmarc\b|\bspf\b|\bdkim\b|unauthenticated (?:e-?mail|message)|sender policy framework/,
    /not pass (?:authentication|dmarc)|authentication (?:checks? )?(?:failed|failure)/,
  ]),
  rule('policy_block', [
    /sender address rejected|sender (?:was )?rejected|sender verify failed|unroutable sender/,
    /sender (?:domain|address) (?:is )?(?:not|in)valid|invalid sender/,
    /from address (?:is )?(?:invalid|not allowed)|mail from (?:address )?(?:rejected|refused)/,
    /domain of sender|sender domain (?:must exist|not found|does not exist)|sender is on/,
    /bad sender|my name was rejected|your e-mail is redundant|purported responsible address/,
  ]),
  rule('policy_block', [
    /reverse dns|\bptr\b|rdns|no ptr record|reverse (?:lookup|mapping)|cannot find your hostname/,
    /mismatches client ip|invalid ip for sending/,
    /ip (?:address )?(?:is )?(?:not allowed|blocked|banned|black-?listed|listed)/,
    /client host (?:\S+ )?(?:rejected|blocked)|bloqu[ée]e/,
  ]),
  // 2. The mailbox lives but cannot take this message now.
  rule('rate_limited', [
    /rate limit|too many (?:messages|mails|recipients|connections|concurrent|emails|sessions)/,
    /sending rate|\bthrottl|slow down|exceeded (?:the )?(?:message |connection )?rate/,
    /unexpected volume|receiving mail at a rate|temporarily (?:deferred|rate)|\bspeeding\b/,
    /connection (?:count|limit)|frequency limit/,
  ]),
  rule('mailbox_full', [
    /mailbox (?:is )?full|mail ?box.{0,20}\b(?:full\b|exceed)|over ?quota/,
    /quota (?:exceeded|exceed|full)/,
    /exceeded (?:storage|(?:the )?(?:mailbox |local )?(?:quota|limit))/,
    /insufficient (?:user )?storage|(?:mail)?folder is full|mailbox exceeds|exceeds allowed size/,
    /disk quota|storage (?:quota|full|limit)|not enough disk space|box is full/,
    /user(?:'s)? (?:mail ?box |account )?(?:is )?full\b|account is full/,
  ]),
  rule('message_too_large', [
    /message (?:is )?too (?:big|large)|too big for system/,
    /(?:message|mail) (?:size|length) (?:exceeds|limit|too)|size limit (?:exceeded|for)/,
    /exceeds? (?:the )?(?:maximum |max )?(?:message )?size|message size|mesg too big/,
  ]),
  rule('mailbox_disabled', [
    /(?:account|mailbox|user|address)[^.]{0,40}(?:disabled|suspended|inactive|deactivated|locked|discontinued|expired|not active|frozen)/,
    /(?:disabled|suspended|inactive|deactivated|locked|closed) (?:account|mailbox|user)/,
    /has been (?:disabled|suspended)/,
  ]),
  // 3. The address (or its domain) is dead; a DNS server failing is not a dead domain.
  rule('host_unreachable', [
    /name service error.{0,80}(?:malformed|try again|server failure|timed? ?out)/,
    /host not found, try again|temporary failure in name resolution|servfail/,
  ]),
  rule('domain_not_found', [
    /not accepting (?:any )?(?:network )?(?:messages|mail)|domain (?:is )?not reachable/,
    /host (?:or domain name )?(?:unknown|not found)|unknown host|no such domain/,
    /domain (?:name )?(?:not found|does not exist|may not exist|unknown|is not valid)/,
    /domain.{0,40}(?:does not|doesn't) exist|unknown domain|couldn't find any host/,
    /could not find (?:any host|host)|name or service not known|nxdomain/,
    /no mx (?:record|host|found)|no (?:valid )?mail exchanger|couldn't find a mail exchanger/,
    /indicated no smtp service|null mx|does not accept (?:e-?)?mail|dns lookup failure/,
    /unrouteable address|unroutable address|no route to (?:the )?domain/,
  ]),
  // RFC 5321's "550 mailbox unavailable" also covers policy refusals, so it is no
  // evidence of a dead address and is deliberately absent.
  rule('user_unknown', [
    /rejected: access denied|user unknown|unknown user/,
    /no such (?:user|mailbox|recipient|account|address|local user|person|box)/,
    /unknown (?:recipient|mailbox|address|local[- ]part|account|e-?mail address)/,
    /(?:recipient|addressee|address|mailbox|user|account) (?:is )?(?:unknown|not found|not known|not listed|invalid|does ?n[o']t exist|not exist|no longer (?:valid|available|exists?))/,
    /(?:user|recipient|account|mailbox|address|e-?mail|e-?mail address|e-?mail account)[^.]{0,60}(?:does not|doesn't|did not|no longer) exist/,
    /invalid (?:recipient|mailbox|user|address|e-?mail address)/,
    /not a valid (?:mailbox|recipient|user|address)|no mailbox here|mailbox not found/,
    /recipient not found|recipientnotfound/,
    /not listed in (?:domino directory|public name|the directory)|name is not recognized/,
    /no valid recipients|doesn't have a .{1,80} account|bad destination mailbox|has moved/,
    /no forwarding address|not our customer|not a registered|ディレクトリのリストにありません|存在しない/,
  ]),
  // 4. The sending IP's standing, then the content, then any other refusal.
  rule('spam_block', [/blacklisted url|uribl|surbl|spamcop url/]),
  rule('policy_block', [
    /block ?list|black ?list|deny ?list|\brbl\b|dnsbl|spamhaus|spamcop|barracuda|cloudmark/,
    /reputation/,
  ]),
  rule('content_rejected', [
    /virus|malware|infected|\bworm\b|trojan|content (?:rejected|error|filter)|media error/,
    /forbidden (?:attachment|file)|attachment (?:type|not allowed)/,
  ]),
  rule('spam_block', [
    /\bspam\b|junk mail|unsolicited|bulk mail|spam(?:my|like)|suspicious (?:content|message)/,
  ]),
  rule('policy_block', [
    /block|denied|refused|refuse|not allowed|prohibited|not permitted|policy|relay|rejected/,
    /reject|not accepted|security|unacceptable|banned|restricted|filter|\btss\d+/,
  ]),
  // 5. Nobody answered, or the queue gave up.
  rule('expired', [
    /retry timeout exceeded|message expired|delivery (?:time )?expired|envelope expired|expired/,
    /was aborted after|not delivered within|could not be delivered (?:for|within)/,
    /unable to deliver (?:this )?message after|delivery failed \d+ attempts|retry time|giving up/,
  ]),
  rule('host_unreachable', [
    /connection (?:timed out|refused|reset|lost|closed)|timed out|time-?out|no route to host/,
    /network (?:is )?unreachable|host (?:is )?unreachable|not reachable|unable to connect/,
    /could not connect|couldn't connect|failed to connect|establish an? (?:smtp )?connection/,
    /network error|lost connection|remote host is not responding|no answer/,
    /did not accept our requests to connect/,
  ]),
];

/** Phrases weaker than any status code: used only when the code says nothing. */
export const WEAK_RULES: readonly PhraseRule[] = [['expired', /in the queue too long|temporary failure|try (?:again )?later/]];
