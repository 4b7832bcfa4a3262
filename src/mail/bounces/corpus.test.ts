/**
 * Scores the parser against the shared corpus of real bounces and feedback reports
 * (../shared/corpora, sisimai's test set and others; see its README) and fails below
 * the agreed thresholds. The summary line it prints is the figure to record.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BounceReason, BounceReport, ComplaintReport } from './index.ts';
import { parseReport } from './index.ts';

const CORPORA = path.resolve(process.cwd(), '../shared/corpora');

const THRESHOLDS = { detection: 0.95, hardSoftAgreement: 0.95, softCalledHard: 0.01 };

/**
 * sisimai's reasons in Breakwater's words, for the (reported, not enforced) reason
 * agreement. `filtered` is sisimai's "refused by a filter, often worded as user
 * unknown", so either reading counts.
 */
const SISIMAI_REASONS: Record<string, readonly BounceReason[]> = {
  userunknown: ['user_unknown'],
  hasmoved: ['user_unknown'],
  hostunknown: ['domain_not_found'],
  notaccept: ['domain_not_found'],
  mailboxfull: ['mailbox_full'],
  mesgtoobig: ['message_too_large'],
  exceedlimit: ['message_too_large'],
  suspend: ['mailbox_disabled'],
  blocked: ['policy_block'],
  policyviolation: ['policy_block'],
  rejected: ['policy_block'],
  norelaying: ['policy_block'],
  securityerror: ['policy_block'],
  badreputation: ['policy_block'],
  requireptr: ['policy_block'],
  filtered: ['policy_block', 'user_unknown'],
  spamdetected: ['spam_block'],
  virusdetected: ['content_rejected'],
  contenterror: ['content_rejected'],
  notcompliantrfc: ['content_rejected'],
  speeding: ['rate_limited'],
  toomanyconn: ['rate_limited'],
  ratelimited: ['rate_limited'],
  authfailure: ['authentication_failed'],
  networkerror: ['host_unreachable'],
  expired: ['expired'],
  systemerror: ['other'],
  systemfull: ['other'],
  mailererror: ['other'],
  onhold: ['other'],
  undefined: ['other'],
  syntaxerror: ['other'],
};

interface ManifestRow {
  [column: string]: string;
}

function readManifest(file: string): ManifestRow[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const columns = head!.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((v, i) => [columns[i]!, v])));
}

async function parseFile(file: string): Promise<BounceReport | ComplaintReport | null> {
  return parseReport(new Uint8Array(readFileSync(file)));
}

interface BounceScore {
  files: number;
  detected: number;
  recipients: number;
  agree: number;
  softCalledHard: number;
  hardCalledSoft: number;
  reasonAgree: number;
  misses: string[];
}

async function scoreBounces(): Promise<BounceScore> {
  const rows = readManifest(path.join(CORPORA, 'bounces/manifest.tsv')).filter((r) => r.hard_soft !== 'n/a');
  const byFile = new Map<string, ManifestRow[]>();
  for (const row of rows) byFile.set(row.file!, [...(byFile.get(row.file!) ?? []), row]);
  const score: BounceScore = { files: 0, detected: 0, recipients: 0, agree: 0, softCalledHard: 0, hardCalledSoft: 0, reasonAgree: 0, misses: [] };
  for (const [file, expected] of byFile) {
    const report = await parseFile(path.join(CORPORA, 'bounces', file));
    const got = report?.kind === 'bounce' ? report.recipients : [];
    score.files++;
    // The manifest lists recipients by position (rcpt_index), not by address.
    if (got.length === expected.length && got.every((r) => r.recipient.includes('@'))) score.detected++;
    else score.misses.push(`${file}: ${got.length}/${expected.length} recipients`);
    expected.forEach((row, i) => {
      const r = got[i];
      const hard = row.hard_soft === 'hard';
      score.recipients++;
      if (!r) return;
      if (r.hard === hard) score.agree++;
      else score.misses.push(`${file}#${i + 1}: ${hard ? 'hard' : 'soft'} called ${r.hard ? 'hard' : 'soft'} (${row.expected_reason} → ${r.reason})`);
      if (r.hard && !hard) score.softCalledHard++;
      if (!r.hard && hard) score.hardCalledSoft++;
      if (SISIMAI_REASONS[row.expected_reason!]?.includes(r.reason)) score.reasonAgree++;
    });
  }
  return score;
}

function toCrlf(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  bytes.forEach((b, i) => {
    if (b === 0x0a && bytes[i - 1] !== 0x0d) out.push(0x0d);
    out.push(b);
  });
  return Uint8Array.from(out);
}

const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(1)}%`;

describe('bounce corpus (sisimai test set)', () => {
  let score: BounceScore;
  let complaintsFound = 0;
  let complaintsExpected = 0;
  let notBounceNull = 0;
  let notBounceFiles = 0;

  beforeAll(async () => {
    score = await scoreBounces();
  });

  // One line with every figure, for the record (BOUNCES_VERBOSE=1 lists the misses).
  afterAll(() => {
    const { files, detected, recipients, agree, softCalledHard } = score;
    console.log(
      `bounce corpus: detection ${detected}/${files} (${pct(detected, files)}); ` +
        `hard/soft agreement ${agree}/${recipients} (${pct(agree, recipients)}); ` +
        `soft called hard ${softCalledHard} (${pct(softCalledHard, recipients)}); ` +
        `hard called soft ${score.hardCalledSoft}; reason agreement ${pct(score.reasonAgree, recipients)}; ` +
        `complaints ${complaintsFound}/${complaintsExpected}; not-bounce null ${notBounceNull}/${notBounceFiles}`,
    );
    if (process.env.BOUNCES_VERBOSE) console.log(score.misses.join('\n'));
  });

  it('meets the detection and hard/soft thresholds', () => {
    const { files, detected, recipients, agree, softCalledHard } = score;
    expect(detected / files).toBeGreaterThanOrEqual(THRESHOLDS.detection);
    expect(agree / recipients).toBeGreaterThanOrEqual(THRESHOLDS.hardSoftAgreement);
    expect(softCalledHard / recipients).toBeLessThanOrEqual(THRESHOLDS.softCalledHard);
  });

  it('answers the same for CRLF line ends, as SMTP delivers them (the corpus is LF)', async () => {
    const dir = path.join(CORPORA, 'bounces/eml');
    const summary = (r: BounceReport | ComplaintReport | null): unknown =>
      r?.kind === 'bounce' ? r.recipients.map((x) => [x.recipient, x.hard, x.reason, x.status]) : r?.kind ?? null;
    for (const file of readdirSync(dir)) {
      const lf = new Uint8Array(readFileSync(path.join(dir, file)));
      expect(summary(await parseReport(toCrlf(lf))), file).toEqual(summary(await parseReport(lf)));
    }
  });

  it('reads the non-bounce rows of the manifest: complaints, success DSNs, vacation', async () => {
    const rows = readManifest(path.join(CORPORA, 'bounces/manifest.tsv')).filter((r) => r.hard_soft === 'n/a');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const report = await parseFile(path.join(CORPORA, 'bounces', row.file!));
      if (row.expected_reason === 'feedback') expect(report?.kind, row.file).toBe('complaint');
      else expect(report, `${row.file} (${row.expected_reason})`).toBeNull();
    }
  });

  it('finds no bounce in messages that are not bounces', async () => {
    const dir = path.join(CORPORA, 'bounces/not-bounce');
    for (const file of readdirSync(dir)) {
      notBounceFiles++;
      const report = await parseFile(path.join(dir, file));
      if (report === null) notBounceNull++;
      expect(report, file).toBeNull();
    }
  });

  it('detects every feedback report with its type and original recipient', async () => {
    const rows = readManifest(path.join(CORPORA, 'complaints/manifest.tsv'));
    for (const row of rows) {
      const report = await parseFile(path.join(CORPORA, 'complaints', row.file!));
      if (row.expected_feedback_type!.startsWith('NOT-ARF')) {
        // DMARC failure reports outside ARF: never a bounce, at most an auth-failure
        // (Netease's does carry a base64 feedback-report part; Exim's plain one does not).
        expect(report?.kind, row.file).not.toBe('bounce');
        if (report?.kind === 'complaint') expect(report.feedbackType, row.file).toBe('auth-failure');
        continue;
      }
      complaintsExpected++;
      expect(report?.kind, row.file).toBe('complaint');
      if (report?.kind !== 'complaint') continue;
      expect(report.feedbackType, row.file).toBe(row.expected_feedback_type);
      // Reporters redact the complainant in some reports; when one is named, all are.
      expect([0, Number(row.n_reports)], row.file).toContain(report.recipients.length);
      const json = row.file!.replace(/\.eml$/, '.json');
      if (row.file!.startsWith('stalwart-mail-auth/')) {
        const full = JSON.parse(readFileSync(path.join(CORPORA, 'complaints', json), 'utf8')) as { original_rcpt_to: string | null };
        const rcpt = full.original_rcpt_to?.replace(/[<>]/g, '').toLowerCase();
        if (rcpt) expect(report.recipients, row.file).toContain(rcpt);
      }
      complaintsFound++;
    }
  });
});
