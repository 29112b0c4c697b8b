import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../modules/kernel/mod.ts';
import type { Mail, Mailer } from '../../modules/notification/mod.ts';
import { recovered, timed } from './support.ts';

/** A mail as the far side of a transport saw it; `text`, `html` and `from` where the transport carries them. */
export interface DeliveredMail {
  to: string;
  subject: string;
  links: string[];
  text?: string;
  html?: string;
  from?: string;
}

/** What a runner hands the suite: the mailer, and what has reached the other side of it so far. */
export interface MailerUnderTest {
  mailer: Mailer;
  delivered(): DeliveredMail[];
  close(): Promise<void>;
}

/**
 * A transport a test can take away and give back (a real SMTP server it stops and starts), or
 * the reason a mailer has none.
 */
export type TransportDown = { outage: { cut(): Promise<void>; restore(): Promise<void>; failsWithinMs: number } } | { noTransport: string };

/** The sender every runner configures, so the suite can check the From header where it travels. */
export const contractSender = 'modular-auth <no-reply@contract.test>';

function mailTo(to: string, overrides: Partial<Mail> = {}): Mail {
  // A link longer than a mail line (76 characters), as the real ones are: it must arrive whole.
  const link = `https://app.example.test/reset-password?token=${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;
  return {
    to,
    subject: `Contract mail ${crypto.randomUUID().slice(0, 8)}`,
    text: `Hello,\n\nOpen this link:\n\n${link}\n\nThanks.\n`,
    html: `<!doctype html><html><body><p>Hello &amp; welcome,</p><p><a href="${link}">Open it</a></p></body></html>`,
    ...overrides,
  };
}

const linkOf = (mail: Mail) => mail.text.match(/https:\/\/\S+/)![0];
const recipient = () => `someone-${crypto.randomUUID().slice(0, 8)}@example.test`;

/** The Mailer contract (modules/notification/ports.ts): every adapter passes it. */
export function describeMailerContract(
  name: string,
  make: () => Promise<MailerUnderTest>,
  { carriesParts, transportDown }: { carriesParts: boolean; transportDown: TransportDown },
) {
  describe(`Mailer contract: ${name}`, () => {
    let under: MailerUnderTest;
    beforeEach(async () => {
      under = await make();
    });
    afterEach(async () => under?.close());

    const deliveredTo = (to: string) => under.delivered().filter((m) => m.to === to);

    it('send() delivers the mail to its recipient, with its subject and its links whole', async () => {
      const to = recipient();
      const mail = mailTo(to);
      await under.mailer.send(mail);
      expect(deliveredTo(to)).toEqual([expect.objectContaining({ to, subject: mail.subject, links: [linkOf(mail)] })]);
    });

    it('concurrent sends each deliver their mail once', async () => {
      const mails = Array.from({ length: 8 }, () => mailTo(recipient()));
      await Promise.all(mails.map((m) => under.mailer.send(m)));
      for (const m of mails) expect(deliveredTo(m.to).map((d) => d.subject)).toEqual([m.subject]);
    });

    if (carriesParts) {
      it('the text and HTML parts arrive as given, from the configured sender', async () => {
        const to = recipient();
        const mail = mailTo(to);
        await under.mailer.send(mail);
        const [delivered] = deliveredTo(to);
        expect(delivered!.text!.trimEnd()).toBe(mail.text.trimEnd());
        expect(delivered!.html!.trimEnd()).toBe(mail.html);
        // A display name may come quoted (`"modular-auth" <…>`): the same sender.
        expect(delivered!.from?.replaceAll('"', '')).toBe(contractSender);
      });
    } else {
      it.skip('the text and HTML parts arrive as given (not run: this mailer carries no body, only recipient, subject and links)', () => {});
    }

    if ('noTransport' in transportDown) {
      it.skip(`transport down: send() rejects with UnavailableError in time, and works again once it is back (not run: ${transportDown.noTransport})`, () => {});
    } else {
      const { outage } = transportDown;
      it('transport down: send() rejects with UnavailableError in time, and works again once it is back', async () => {
        const lost = mailTo(recipient());
        await under.mailer.send(mailTo(recipient())); // a pooled connection is open when the transport goes
        await outage.cut();
        try {
          const { ms, error } = await timed(() => under.mailer.send(lost));
          expect(error).toBeInstanceOf(UnavailableError);
          expect(ms).toBeLessThan(outage.failsWithinMs);
          expect((error as Error).message).not.toContain(lost.to); // the reason reaches logs and dead letters
        } finally {
          await outage.restore();
        }
        const after = mailTo(recipient());
        await recovered(() => under.mailer.send(after));
        expect(deliveredTo(after.to)).toHaveLength(1);
        expect(deliveredTo(lost.to)).toEqual([]);
      });
    }
  });
}
