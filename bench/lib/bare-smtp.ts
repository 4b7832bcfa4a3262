// The baseline of bench:inbound: a bare smtp-server that reads each message and discards it.
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, disableReverseLookup: true, size: 25 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => callback(null, 'discarded'));
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  const addr = server.server.address();
  process.stdout.write(`bare smtp listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
