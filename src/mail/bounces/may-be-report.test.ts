/**
 * mayBeReport lets the inbound path skip the bounce parser: it must never say false for a
 * message parseReport reads as a report. Checked over every message file we have: the shared
 * corpora (bounces, complaints, MIME oddities), our fixtures and the fuzz seeds.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { mayBeReport, parseReport } from './index.ts';

const ROOTS = ['../shared/corpora/bounces', '../shared/corpora/complaints', '../shared/corpora/mime', 'test/fixtures/bounces', 'test/fuzz/corpus/mail'];

function messageFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return messageFiles(full);
    return /\.(eml|txt)$/.test(name) && !/^(LICENSE|COPYING)/.test(name) ? [full] : [];
  });
}

describe('mayBeReport', () => {
  it('is true for every message the bounce parser reads as a report', async () => {
    const files = ROOTS.flatMap((r) => messageFiles(path.resolve(process.cwd(), r)));
    expect(files.length).toBeGreaterThan(400);
    let reports = 0;
    let skipped = 0;
    const hidden: string[] = [];
    for (const file of files) {
      const raw = new Uint8Array(readFileSync(file));
      const email = await PostalMime.parse(raw).catch(() => null);
      if (!email) continue;
      const from = email.from && !email.from.group && email.from.address ? email.from.address.toLowerCase() : null;
      const may = mayBeReport({ headers: email.headers.map((h) => ({ name: h.key, value: h.value })), from, subject: email.subject ?? '', body: email.text ?? email.html ?? '' });
      const report = await parseReport(raw);
      if (report) reports++;
      if (!may) skipped++;
      if (report && !may) hidden.push(path.relative(process.cwd(), file));
    }
    expect(hidden).toEqual([]);
    // It must also spare some mail the second parse, or it is no filter.
    expect(reports).toBeGreaterThan(300);
    expect(skipped).toBeGreaterThan(10);
  });
});
