import nodemailer from 'nodemailer';

/**
 * One message from outside to `to` over real SMTP, answering the server's reply code and text
 * whether it accepted or refused: for tests that expect a refusal (4xx/5xx) as often as a 250.
 */
export async function smtpSendOnce(port: number, to: string, tag: string): Promise<{ code: number; response: string }> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, tls: { rejectUnauthorized: false } });
  try {
    const info = await t.sendMail({ from: 'far@example.net', to, subject: tag, text: 'inbound', messageId: `<${tag}@example.net>` });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; message: string };
    return { code: e.responseCode ?? 0, response: e.response ?? e.message };
  } finally {
    t.close();
  }
}
