// npm run bench:inbound — SMTP messages per second accepted and durably stored by Breakwater,
// with 4 and 16 parallel connections (each reused for many messages), against a bare
// smtp-server that discards every message, driven by the same client in the same run.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { BenchSmtpClient, benchMessage } from './lib/smtp-client.ts';
import { api, spawnUntil, startBreakwater } from './lib/spawn.ts';
import { fmt, table } from './lib/stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);

async function drive(port: number, to: string, connections: number, seconds: number): Promise<{ sent: number; errors: number }> {
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  let errors = 0;
  let n = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    let client = await BenchSmtpClient.open(port);
    while (Date.now() < deadline) {
      try {
        await client.send('bench@example.com', to, benchMessage(n++, to));
        sent++;
      } catch {
        errors++;
        client.close();
        client = await BenchSmtpClient.open(port);
      }
    }
    client.close();
  }));
  return { sent, errors };
}

async function main() {
  console.log(`bench:inbound — ${SECONDS} s per run, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const bw = await startBreakwater({ BREAKWATER_LOG_LEVEL: 'info' });
  const bare = await spawnUntil(process.execPath, ['--import', 'tsx', 'bench/lib/bare-smtp.ts'], {}, /^bare smtp listening (\d+)/);
  const barePort = Number(bare.ready[1]);
  try {
    const org = await api(bw.url, 'POST', '/v1/orgs', bw.operatorToken, { name: 'bench', plan: 'unlimited' });
    const inbox = await api(bw.url, 'POST', '/v1/inboxes', org.body.api_key, { username: 'sink' });
    const to = inbox.body.address as string;
    const rows: Array<Record<string, string | number>> = [];
    for (const connections of [4, 16]) {
      const base = await drive(barePort, to, connections, SECONDS);
      const ours = await drive(bw.smtpPort, to, connections, SECONDS);
      rows.push({
        connections,
        'breakwater msg/s': fmt(ours.sent / SECONDS), 'bare smtp-server msg/s': fmt(base.sent / SECONDS),
        ratio: (ours.sent / base.sent).toFixed(2), errors: ours.errors,
      });
    }
    const db = new Database(join(bw.dataDir, 'breakwater.db'), { readonly: true });
    const stored = (db.prepare("select count(*) n from messages where direction = 'inbound'").get() as { n: number }).n;
    db.close();
    console.log(table(rows));
    console.log(`stored inbound messages: ${stored} (each acknowledged with 250 after its commit, synchronous=FULL)`);
  } finally {
    await bare.stop();
    await bw.stop();
  }
}

await main();
