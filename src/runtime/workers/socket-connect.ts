import { connect } from 'cloudflare:sockets';
import type { SmtpSocket } from '../../adapters/mail/cloudflare-socket/smtp-session.ts';
import type { SmtpConnect } from '../../adapters/mail/cloudflare-socket/socket-smtp-transport.ts';

/**
 * `cloudflare:sockets` as the SMTP transport's connect. A refused or failed connection does not
 * throw here: it rejects the first read, which the session reports as a retryable outcome.
 */
export const cloudflareConnect: SmtpConnect = (host, port, tls) =>
  // workerd's Socket has the SmtpSocket shape; its streams are typed without a chunk type.
  connect({ hostname: host, port }, { secureTransport: tls, allowHalfOpen: false }) as unknown as SmtpSocket;
