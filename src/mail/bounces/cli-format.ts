/**
 * The rows `npx breakwater bounces classify FILE…` prints, one JSON line per bounced
 * recipient. Kept apart from the CLI so the format is tested without a process.
 */
import type { BounceReason, BounceReport, ComplaintReport } from './types.ts';

/** One printed row: which file, which recipient, and the verdict on it. */
export interface ClassifiedRecipient {
  file: string;
  recipient: string;
  hard: boolean;
  reason: BounceReason;
  status: string | null;
}

/**
 * Rows for one parsed file. A complaint or a message that is no report has no bounced
 * recipient and yields no rows; the CLI may say so on stderr.
 */
export function classifyFileResult(file: string, report: BounceReport | ComplaintReport | null): ClassifiedRecipient[] {
  if (report?.kind !== 'bounce') return [];
  return report.recipients.map((r) => ({ file, recipient: r.recipient, hard: r.hard, reason: r.reason, status: r.status }));
}
