/**
 * `npx breakwater bounces classify FILE…`: one JSON line per bounced recipient, nothing for a
 * file without a bounce, and one readable line plus a non-zero exit for a file it cannot read.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyBounceFiles } from '../../src/runtime/node/bounces-cli.ts';
import { dsn } from '../helpers/reports.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/bounces');
// Each spawn compiles the CLI through tsx: seconds on a loaded machine.
const CLI_TIMEOUT = 60_000;

describe('bounces classify', () => {
  let dir: string;
  let twoRecipients: string;
  let notABounce: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-classify-'));
    twoRecipients = join(dir, 'two.eml');
    writeFileSync(twoRecipients, dsn({ originalMessageId: '<m@agents.localhost>', to: 'a@agents.localhost', recipients: [
      { address: 'dead@example.org', status: '5.1.1' },
      { address: 'Full@Example.org', status: '4.2.2', action: 'delayed', diagnostic: '452 4.2.2 Mailbox full' },
    ] }));
    notABounce = join(dir, 'hello.eml');
    writeFileSync(notABounce, 'From: a@example.net\r\nTo: b@example.org\r\nSubject: lunch?\r\n\r\nNoon works.\r\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function run(files: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await classifyBounceFiles(files, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('prints one JSON line per bounced recipient, with file, recipient, hard, reason and status', async () => {
    const { code, out, err } = await run([twoRecipients]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out.map((l) => JSON.parse(l))).toEqual([
      { file: twoRecipients, recipient: 'dead@example.org', hard: true, reason: 'user_unknown', status: '5.1.1' },
      { file: twoRecipients, recipient: 'full@example.org', hard: false, reason: 'mailbox_full', status: '4.2.2' },
    ]);
  });

  it('prints nothing for a file that holds no bounce (plain mail, a complaint)', async () => {
    const { code, out } = await run([notABounce, join(FIXTURES, 'jmrp-complaint-without-arf-part.eml')]);
    expect(code).toBe(0);
    expect(out).toEqual([]);
  });

  it('reads the fixtures as the corpus scorer does: each line names its file', async () => {
    const file = join(FIXTURES, 'dsn-duplicated-fields-and-original-recipient.eml');
    const { out } = await run([file, notABounce]);
    expect(out.length).toBeGreaterThan(0);
    for (const line of out) expect(JSON.parse(line)).toMatchObject({ file, recipient: expect.stringContaining('@'), hard: expect.any(Boolean) });
  });

  it('a missing file: one readable line, exit 1 (through the real CLI), and the other files still classified', () => {
    const missing = join(dir, 'nope.eml');
    const res = spawnSync(process.execPath, [join(ROOT, 'bin/breakwater.js'), 'bounces', 'classify', missing, twoRecipients], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([`breakwater: cannot read ${missing}: no such file`]);
    expect(res.stdout.trim().split('\n').map((l) => JSON.parse(l).recipient)).toEqual(['dead@example.org', 'full@example.org']);
  }, CLI_TIMEOUT);

  it('a directory is unreadable too; no file at all is a usage error; both listed in help', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/breakwater.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
    const asDir = cli('bounces', 'classify', dir);
    expect(asDir.status).toBe(1);
    expect(asDir.stderr.trim()).toBe(`breakwater: cannot read ${dir}: is a directory`);
    const none = cli('bounces', 'classify');
    expect(none.status).toBe(1);
    expect(none.stderr.trim()).toBe('breakwater: bounces classify needs at least one file');
    expect(cli('help').stdout).toMatch(/bounces classify FILE…/);
  }, 3 * CLI_TIMEOUT);
});
