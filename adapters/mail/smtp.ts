import type { ConnectionOptions } from 'node:tls';
import nodemailer from 'nodemailer';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { Mailer } from '../../modules/notification/mod.ts';

export interface SmtpMailerOptions {
  /** `smtp://user:password@host:port` (STARTTLS when the server offers it) or `smtps://…` (TLS from the start). */
  url: string;
  /** The From header, e.g. `modular-auth <no-reply@example.com>`. */
  from: string;
  /** Longest wait to connect, and then for the server's greeting. */
  connectTimeoutMs?: number;
  /** Longest silence of the server during a send. */
  socketTimeoutMs?: number;
  /** Extra TLS options (a private CA, the name to check): tests only; production trusts the system's CAs. */
  tls?: ConnectionOptions;
}

/** Connection options from an smtp(s) URL; the credentials %-decoded. */
function connectionOf(url: string) {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'smtps:';
  const auth = parsed.username ? { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) } : undefined;
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || (secure ? 465 : 587)), secure, auth };
}

/**
 * Mailer over SMTP with nodemailer's pooled transport: a few connections kept open and reused,
 * opened again as needed after the server drops them. Timeouts are short (nodemailer's defaults
 * run to minutes) because a send holds its event's delivery: a server that does not answer fails
 * the send, and the bus retries it with back-off.
 */
export function createSmtpMailer({ url, from, connectTimeoutMs = 5000, socketTimeoutMs = 15_000, tls }: SmtpMailerOptions): Mailer {
  const transport = nodemailer.createTransport(
    {
      ...connectionOf(url),
      pool: true,
      maxConnections: 3,
      connectionTimeout: connectTimeoutMs,
      greetingTimeout: connectTimeoutMs,
      socketTimeout: socketTimeoutMs,
      dnsTimeout: connectTimeoutMs,
      ...(tls ? { tls } : {}),
    },
    { from },
  );
  // A pooled connection the server drops is reported here; the next send opens another.
  transport.on('error', () => {});
  return {
    async send({ to, subject, text, html }) {
      try {
        await transport.sendMail({ to, subject, text, html });
      } catch (error) {
        // The message names no address: the reason ends up in logs and dead letters.
        throw new UnavailableError('The mail server did not accept the mail.', { cause: error });
      }
    },
    async close() {
      transport.close();
    },
  };
}
