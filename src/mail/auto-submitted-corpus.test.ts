/**
 * auto_submitted against the shared corpora (../shared/corpora): real bounces and complaints
 * must read as sent by a machine, and the MIME corpus and the not-bounces (mail people wrote,
 * odd as it is) must not. The summary line it prints is the figure to record.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMail } from './parse.ts';

const CORPORA = path.resolve(process.cwd(), '../shared/corpora');

/** Files a manifest lists (first column), once each. */
function listed(set: string): string[] {
  const rows = readFileSync(path.join(CORPORA, set, 'manifest.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
  return [...new Set(rows.map((r) => path.join(CORPORA, set, r.split('\t')[0]!)))];
}

function messageFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return messageFiles(full);
    return /\.(eml|txt)$/.test(name) && !/^(LICENSE|COPYING)/.test(name) ? [full] : [];
  });
}

async function flaggedAmong(files: string[]): Promise<{ flagged: number; total: number; misses: string[]; hits: string[] }> {
  const hits: string[] = [];
  const misses: string[] = [];
  for (const file of files) {
    const name = path.relative(CORPORA, file);
    if ((await parseMail(new Uint8Array(readFileSync(file)))).autoSubmitted) hits.push(name);
    else misses.push(name);
  }
  return { flagged: hits.length, total: files.length, misses, hits };
}

/** The one report in the MIME corpus: a delivery status notice, rightly flagged. */
const MIME_REPORTS = ['mime/mailparser/delivery-status.eml'];

describe('auto_submitted on the shared corpora', () => {
  const lines: string[] = [];
  afterAll(() => console.log(`auto_submitted: ${lines.join('; ')}`));

  it('flags at least 99 % of real bounces and every complaint', async () => {
    const bounces = await flaggedAmong(listed('bounces'));
    const complaints = await flaggedAmong(listed('complaints'));
    lines.push(`bounces ${bounces.flagged}/${bounces.total}`, `complaints ${complaints.flagged}/${complaints.total}`);
    expect(bounces.total).toBeGreaterThan(300);
    expect(bounces.flagged / bounces.total, bounces.misses.join(', ')).toBeGreaterThanOrEqual(0.99);
    expect(complaints.misses).toEqual([]);
  });

  it('flags none of the MIME corpus (but its one DSN) and none of the not-bounces', async () => {
    const ordinary = await flaggedAmong([...messageFiles(path.join(CORPORA, 'mime')), ...messageFiles(path.join(CORPORA, 'bounces/not-bounce'))]);
    lines.push(`ordinary mail ${ordinary.flagged}/${ordinary.total} (the MIME corpus's DSN)`);
    expect(ordinary.total).toBeGreaterThan(60);
    expect(ordinary.hits).toEqual(MIME_REPORTS);
  });
});
