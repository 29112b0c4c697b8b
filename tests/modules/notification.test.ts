import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '../../adapters/bus/memory-bus.ts';
import { createMemoryPasswordHasher } from '../../adapters/memory/password-hasher.ts';
import { createMemoryUserRepository } from '../../adapters/memory/user-repository.ts';
import { createCommonPasswordList } from '../../adapters/zxcvbn/common-password-list.ts';
import { subscribeHandlers } from '../../modules/kernel/mod.ts';
import { escapeHtml, notificationHandlers, type Mailer } from '../../modules/notification/mod.ts';
import { createUserService, userEvents } from '../../modules/user/mod.ts';
import { eventFactory } from '../../modules/kernel/mod.ts';
import { createMailer } from '../../src/mail.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { lifecycleDeps, observedOutbox } from './fixtures.ts';

const userEvent = eventFactory('user', userEvents);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const publicUrl = 'https://auth.example.test';

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
});
afterAll(() => smtp?.close());

function setup(mailer: Mailer) {
  const { outbox, written } = observedOutbox();
  const user = createUserService({
    users: createMemoryUserRepository({ outbox }),
    hasher: createMemoryPasswordHasher(),
    commonPasswords: createCommonPasswordList(),
    ...lifecycleDeps(outbox),
  });
  return { user, written, handlers: notificationHandlers({ user, mailer, publicUrl }) };
}

describe('notification handlers', () => {
  const counts = { sent: 0, failed: 0 };
  let mailer: Mailer;
  beforeAll(() => {
    mailer = createMailer({ mailUrl: smtp.url, mailFrom: 'modular-auth <no-reply@example.test>' }, silent, (o) => void counts[o]++);
  });
  afterAll(() => mailer.close());

  it('user.password_changed sends a notice to the account, with a text and an HTML part', async () => {
    const { user, handlers } = setup(mailer);
    const account = await user.register({ email: `ada-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a sturdy passphrase' });
    await handlers.handle(userEvent('user.password_changed', { userId: account.id, sessionId: 's1' }));
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(account.email));
    expect(mail.subject).toBe('Your password was changed');
    expect(mail.text).toContain('password of your account was just changed');
    expect(mail.html).toContain('<p>The password of your account was just changed');
  });

  const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;
  const newAccount = async (user: ReturnType<typeof setup>['user']) =>
    user.register({ email: `amy-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a sturdy passphrase' });

  it('user.registered mails a PUBLIC_URL verification link whose token verifies the address, once', async () => {
    const { user, handlers, written } = setup(mailer);
    const account = await newAccount(user);
    await handlers.handle(userEvent('user.registered', { userId: account.id }));
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(account.email));
    expect(mail.subject).toBe('Confirm your email address');
    const [link] = mail.links;
    expect(link).toMatch(/^https:\/\/auth\.example\.test\/verify-email\?token=[\w-]{43}$/);
    expect(mail.html).toContain(`href="${link}"`);
    expect(JSON.stringify(await written())).not.toContain(tokenOf(link!)); // never in an event
    await user.verifyEmail({ token: tokenOf(link!) });
    expect((await user.getById(account.id))?.emailVerified).toBe(true);
    await expect(user.verifyEmail({ token: tokenOf(link!) })).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('a verified account gets no verification mail', async () => {
    const { user, handlers } = setup(mailer);
    const account = await newAccount(user);
    await handlers.handle(userEvent('user.registered', { userId: account.id }));
    await user.verifyEmail({ token: tokenOf((await smtp.waitFor((m) => m.envelope.to.includes(account.email))).links[0]!) });
    const before = smtp.received.length;
    await handlers.handle(userEvent('user.email_verification_requested', { userId: account.id }));
    expect(smtp.received.length).toBe(before);
  });

  it('user.email_change_requested sends a notice to the old address and the link to the new one', async () => {
    const { user, handlers } = setup(mailer);
    const account = await newAccount(user);
    const newEmail = `new-${crypto.randomUUID().slice(0, 8)}@example.test`;
    await handlers.handle(userEvent('user.email_change_requested', { userId: account.id, newEmail }));
    const notice = await smtp.waitFor((m) => m.envelope.to.includes(account.email));
    expect(notice.text).toContain(newEmail);
    expect(notice.links).toEqual([]);
    const link = (await smtp.waitFor((m) => m.envelope.to.includes(newEmail))).links[0]!;
    expect(link).toMatch(/\/confirm-email\?token=/);
    await user.confirmEmailChange({ token: tokenOf(link) });
    expect(await user.getById(account.id)).toMatchObject({ email: newEmail, emailVerified: true });
  });

  it('an account gone by the time the event is handled gets no mail', async () => {
    const { handlers } = setup(mailer);
    const before = smtp.received.length;
    await handlers.handle(userEvent('user.password_changed', { userId: crypto.randomUUID(), sessionId: 's1' }));
    expect(smtp.received.length).toBe(before);
  });

  it('a send that fails while SMTP is down is retried with back-off, arrives once it is back, and is counted', async () => {
    const { user, handlers } = setup(mailer);
    const account = await user.register({ email: `bob-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a sturdy passphrase' });
    const bus = createMemoryEventBus({ retryDelayMs: () => 100, maxAttempts: 50 });
    const subscription = subscribeHandlers(bus, 'notification', handlers);
    const failedBefore = counts.failed;
    await smtp.stop();
    try {
      await bus.publish(userEvent('user.password_changed', { userId: account.id, sessionId: 's1' }));
      await expect.poll(() => counts.failed, { timeout: 5000 }).toBeGreaterThan(failedBefore + 1);
    } finally {
      await smtp.start();
    }
    await smtp.waitFor((m) => m.envelope.to.includes(account.email));
    expect(counts.sent).toBeGreaterThan(0);
    await subscription.close();
    await bus.close();
  });

  it('a send that keeps failing is dead-lettered after the last retry', async () => {
    const { user, handlers } = setup(mailer);
    const account = await user.register({ email: `eve-${crypto.randomUUID().slice(0, 8)}@example.test`, password: 'a sturdy passphrase' });
    const dead: string[] = [];
    const bus = createMemoryEventBus({ retryDelayMs: () => 10, maxAttempts: 3, onDeadLetter: (letter) => dead.push(letter.error) });
    const subscription = subscribeHandlers(bus, 'notification', handlers);
    await smtp.stop();
    try {
      await bus.publish(userEvent('user.password_changed', { userId: account.id, sessionId: 's1' }));
      await expect.poll(() => dead, { timeout: 5000 }).toEqual(['The mail server did not accept the mail.']);
    } finally {
      await smtp.start();
    }
    await subscription.close();
    await bus.close();
    expect(smtp.received.some((m) => m.envelope.to.includes(account.email))).toBe(false);
  });
});

describe('mail templates', () => {
  it('escapeHtml() leaves no markup or attribute break in what it escapes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
