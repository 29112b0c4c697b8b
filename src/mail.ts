import { loadedAtFirstUse } from '../modules/kernel/mod.ts';
import type { Mailer } from '../modules/notification/mod.ts';
import { createLogMailer } from '../adapters/mail/log.ts';
import type { Logger } from './log.ts';

const smtpAdapter = loadedAtFirstUse(() => import('../adapters/mail/smtp.ts'));

/**
 * The configured mailer: SMTP when MAIL_URL is set, else the development mailer, which writes
 * each mail's recipient, subject and links to the log. Those links are credentials (single-use
 * tokens), so a process without MAIL_URL says so once at start. Every send is counted.
 */
export function createMailer(
  { mailUrl, mailFrom }: { mailUrl?: string; mailFrom: string },
  logger: Logger,
  count: (outcome: 'sent' | 'failed') => void,
): Mailer {
  let mailer: Mailer;
  if (mailUrl) {
    // nodemailer is loaded once started or at the first mail, not at start (its pool connects at the first mail anyway).
    smtpAdapter.want();
    let smtp: Promise<Mailer> | undefined;
    const open = () => (smtp ??= smtpAdapter.load().then(({ createSmtpMailer }) => createSmtpMailer({ url: mailUrl, from: mailFrom })));
    mailer = {
      send: async (mail) => (await open()).send(mail),
      close: async () => (await smtp)?.close(),
    };
  } else {
    logger.warn('MAIL_URL is unset: mails are not sent but written to this log, links included (for development only)');
    mailer = createLogMailer({ log: (mail) => logger.info('mail (MAIL_URL unset, not sent)', { ...mail }) });
  }
  return {
    async send(mail) {
      try {
        await mailer.send(mail);
      } catch (error) {
        count('failed');
        throw error;
      }
      count('sent');
    },
    close: () => mailer.close(),
  };
}
