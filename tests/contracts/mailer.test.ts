import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLogMailer, type LoggedMail } from '../../adapters/mail/log.ts';
import { createSmtpMailer } from '../../adapters/mail/smtp.ts';
import { startTestSmtpServer, type TestSmtpOptions } from '../support/smtp-server.ts';
import { contractSender, describeMailerContract, type MailerUnderTest } from './mailer.contract.ts';

/** The SMTP mailer against a real SMTP server of the test's own, which the store-down case stops and starts. */
function overSmtp(options: TestSmtpOptions) {
  let server: Awaited<ReturnType<typeof startTestSmtpServer>> | undefined;
  const make = async (): Promise<MailerUnderTest> => {
    server = await startTestSmtpServer(options);
    const mailer = createSmtpMailer({
      url: server.url,
      from: contractSender,
      connectTimeoutMs: 1000,
      ...(server.cert ? { tls: { ca: server.cert } } : {}),
    });
    const smtp = server;
    return {
      mailer,
      delivered: () =>
        smtp.received.flatMap((m) =>
          m.envelope.to.map((to) => ({ to, subject: m.subject, links: m.links, text: m.text, html: m.html, from: m.headers.from })),
        ),
      async close() {
        await mailer.close();
        await smtp.close();
      },
    };
  };
  // A stopped server refuses connections at once; the margin is for a loaded machine.
  const outage = { cut: () => server!.stop(), restore: () => server!.start(), failsWithinMs: 1500 };
  return { make, outage };
}

// Credentials with characters a URL must escape, so the adapter's decoding is exercised.
const plain = overSmtp({ auth: { user: 'mailer@contract', pass: 'p@ss:w/rd?#' } });
describeMailerContract('SMTP (nodemailer, pooled), with credentials', plain.make, {
  carriesParts: true,
  transportDown: { outage: plain.outage },
});

// smtps:// needs a certificate the client trusts, made with openssl; .ci/run's machine has it, so CI never skips.
const openssl = spawnSync('openssl', ['version']).status === 0;
if (openssl || process.env.CI) {
  const secure = overSmtp({ secure: true });
  describeMailerContract('SMTPS (TLS from the first byte)', secure.make, { carriesParts: true, transportDown: { outage: secure.outage } });
} else {
  it.skip('Mailer contract: SMTPS (not run: openssl, which makes its certificate, is not installed)', () => {});
}

function overLog() {
  const logged: LoggedMail[] = [];
  return {
    logged,
    make: async (): Promise<MailerUnderTest> => ({
      mailer: createLogMailer({ log: (mail) => logged.push(mail) }),
      delivered: () => logged,
      close: async () => {},
    }),
  };
}

describeMailerContract('log (development)', overLog().make, {
  carriesParts: false,
  transportDown: { noTransport: 'it writes to the log, which has no transport to lose' },
});

describe('log mailer', () => {
  it('writes the recipient, subject and links, and nothing else of the mail', async () => {
    const { logged, make } = overLog();
    const { mailer } = await make();
    await mailer.send({
      to: 'ada@example.test',
      subject: 'Reset your password',
      text: 'Your code is 123456. Open https://app.example.test/reset-password?token=abc_DEF-1 now.\n',
      html: '<p>Your code is 123456.</p><a href="https://app.example.test/reset-password?token=abc_DEF-1">here</a>',
    });
    expect(logged).toEqual([
      { to: 'ada@example.test', subject: 'Reset your password', links: ['https://app.example.test/reset-password?token=abc_DEF-1'] },
    ]);
    expect(JSON.stringify(logged)).not.toContain('123456');
  });
});

describe('SMTP mailer', () => {
  it('a server that refuses the credentials fails the send with UnavailableError, naming no address', async () => {
    const server = await startTestSmtpServer({ auth: { user: 'right', pass: 'right' } });
    const mailer = createSmtpMailer({ url: server.url.replace('right:right', 'right:wrong'), from: contractSender });
    try {
      const error = await mailer.send({ to: 'ada@example.test', subject: 's', text: 't', html: '<p>t</p>' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'service_unavailable' });
      expect((error as Error).message).not.toContain('ada@example.test');
      expect(server.received).toEqual([]);
    } finally {
      await mailer.close();
      await server.close();
    }
  });
});
