import type { Mailer } from '../../modules/notification/mod.ts';

/** What the development mailer writes for each mail. */
export interface LoggedMail {
  to: string;
  subject: string;
  /** Every http(s) link of the mail's text: what a developer opens to go on. */
  links: string[];
}

const linkPattern = /https?:\/\/[^\s<>"']+/g;

/**
 * The development mailer (MAIL_URL unset): sends nothing, writes each mail's recipient, subject
 * and links to `log`. The links carry single-use tokens, which are credentials: this is for a
 * developer's machine, never for production. Nothing else of the mail is written.
 */
export function createLogMailer({ log }: { log: (mail: LoggedMail) => void }): Mailer {
  return {
    async send({ to, subject, text }) {
      log({ to, subject, links: text.match(linkPattern) ?? [] });
    },
    async close() {},
  };
}
