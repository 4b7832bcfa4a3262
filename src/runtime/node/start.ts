import { loadConfig } from './config.ts';
import { startServer } from './server.ts';

/** `breakwater start`: run until SIGTERM or SIGINT, then shut down gracefully and exit 0. */
export async function runStart(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) return;
    signalled = true;
    process.stdout.write(`${sig} received: finishing in-flight work\n`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    server.stop().then(() => process.exit(0), () => process.exit(1));
  };
  // Handlers first: a supervisor may signal as soon as it reads the ready line.
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  if (server.operatorTokenCreated) {
    process.stdout.write(`Operator token (shown once; kept in ${config.BREAKWATER_DATA_DIR}/operator-token): ${server.operatorToken}\n`);
  }
  process.stdout.write(`Breakwater listening: http://${config.BREAKWATER_HOST}:${server.httpPort} smtp://${config.BREAKWATER_HOST}:${server.smtpPort}\n`);
}
