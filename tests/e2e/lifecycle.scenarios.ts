import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp-server.ts';
import { bearer, createClient, read, type Client, type ProblemBody } from './client.ts';
import { eventually, type StartTarget, type Target } from './harness.ts';

const publicUrl = 'https://auth.example.test';

/**
 * Email verification, password recovery and email change (API.md, v1.1), against any deployment
 * that mails through a real SMTP server the scenarios start; links are read out of the mails.
 */
export function lifecycleScenarios(start: StartTarget) {
  const ctx = {} as { target: Target; api: Client; smtp: TestSmtpServer };
  beforeAll(async () => {
    ctx.smtp = await startTestSmtpServer();
    // A higher /api/auth limit: the timing case alone sends 200 requests there.
    ctx.target = await start({ MAIL_URL: ctx.smtp.url, PUBLIC_URL: publicUrl, RATE_LIMIT_AUTH_PER_MINUTE: '3000' });
    ctx.api = createClient(ctx.target);
  });
  afterAll(async () => {
    await ctx.target?.close();
    await ctx.smtp?.close();
  });

  /** The first mail to `to` received after the first `after` mails; a mail may take a few seconds (outbox, bus, SMTP). */
  const mailTo = (to: string, after = 0, timeoutMs = 10_000) =>
    ctx.smtp.waitFor((m) => m.envelope.to.includes(to) && ctx.smtp.received.indexOf(m) >= after, timeoutMs);
  /** The token of the mail's link to `page`, checked to be under PUBLIC_URL. */
  const tokenIn = (mail: ReceivedMail, page: string) => {
    const link = mail.links.find((l) => l.startsWith(`${publicUrl}/${page}?token=`));
    if (!link) throw new Error(`no ${page} link in "${mail.subject}": ${mail.links.join(' ')}`);
    return new URL(link).searchParams.get('token')!;
  };
  const auditTypes = async (accessToken: string) =>
    (await read(ctx.api.audit.me.$get({ query: {} }, bearer(accessToken)))).body.events.map((e: { type: string }) => e.type);
  const expectInvalidToken = async (pending: Promise<Response>) => {
    const res = await pending;
    expect([res.status, ((await res.json()) as ProblemBody).code]).toEqual([400, 'invalid_token']);
  };

  describe('email verification', () => {
    it('registration mails a verification link; the link verifies the address once', async () => {
      const s = await ctx.api.signedUp();
      expect(s.user.emailVerified).toBe(false);
      const mail = await mailTo(s.email);
      expect(mail.subject).toBe('Confirm your email address');
      expect(mail.html).toContain(`${publicUrl}/verify-email?token=`);
      const token = tokenIn(mail, 'verify-email');
      expect(token).toMatch(/^[\w-]{43}$/);

      const verified = await ctx.api.auth.email.verify.$post({ json: { token } });
      expect(verified.status).toBe(204);
      expect(verified.headers.get('RateLimit-Policy')).toContain('"auth"'); // counted against the per-address limit
      expect((await read(ctx.api.users.me.$get({}, bearer(s.accessToken)))).body.emailVerified).toBe(true);
      expect((await ctx.api.login(s.email)).user.emailVerified).toBe(true);
      await expectInvalidToken(ctx.api.auth.email.verify.$post({ json: { token } }));
      await expectInvalidToken(ctx.api.auth.email.verify.$post({ json: { token: 'not-a-token-anyone-was-sent' } }));
      await eventually(async () => expect(await auditTypes(s.accessToken)).toContain('user.email_verified'));
    });

    it('a resend mails a new link and voids the older; a second within a minute answers 429', async () => {
      const s = await ctx.api.signedUp();
      const first = tokenIn(await mailTo(s.email), 'verify-email');
      const seen = ctx.smtp.received.length;
      expect((await ctx.api.users.me.email.verification.$post({}, bearer(s.accessToken))).status).toBe(202);
      const again = await read(ctx.api.users.me.email.verification.$post({}, bearer(s.accessToken)));
      expect([again.status, again.body.code]).toEqual([429, 'rate_limited']);
      expect(Number(again.headers.get('Retry-After'))).toBeGreaterThan(0);
      const second = tokenIn(await mailTo(s.email, seen), 'verify-email');
      expect(second).not.toBe(first);
      await expectInvalidToken(ctx.api.auth.email.verify.$post({ json: { token: first } }));
      expect((await ctx.api.auth.email.verify.$post({ json: { token: second } })).status).toBe(204);
      expect((await ctx.api.users.me.email.verification.$post({})).status).toBe(401);
    });
  });

  describe('password recovery', () => {
    it('a reset clears the lockout, ends every session and sends a notice; the link works once', async () => {
      const s = await ctx.api.signedUp();
      const other = await ctx.api.login(s.email);
      for (let i = 0; i < 11; i++)
        expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: `guess ${i}` } })).status).toBe(401);
      expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })).status).toBe(429);

      const seen = ctx.smtp.received.length;
      const forgot = await read(ctx.api.auth.password.forgot.$post({ json: { email: s.email.toUpperCase() } }));
      expect(forgot.status).toBe(202);
      const mail = await mailTo(s.email, seen);
      expect(mail.subject).toBe('Reset your password');
      const token = tokenIn(mail, 'reset-password');

      const short = await read(ctx.api.auth.password.reset.$post({ json: { token, newPassword: 'short' } }));
      expect([short.status, short.body.code]).toEqual([400, 'validation_failed']);
      const common = await read(ctx.api.auth.password.reset.$post({ json: { token, newPassword: 'Password1234' } }));
      expect([common.status, common.body.code]).toEqual([400, 'password_too_common']);
      expect((await ctx.api.auth.password.reset.$post({ json: { token, newPassword: 'a recovered passphrase' } })).status).toBe(204);

      const fresh = await ctx.api.login(s.email, 'a recovered passphrase'); // the throttle is cleared
      for (const old of [s, other]) {
        await eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(old.accessToken))).status).toBe(401), 1000);
        expect((await ctx.api.auth.refresh.$post({ json: { refreshToken: old.refreshToken } })).status).toBe(401);
      }
      expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })).status).toBe(401);
      await expectInvalidToken(ctx.api.auth.password.reset.$post({ json: { token, newPassword: 'yet another passphrase' } }));
      const notice = await mailTo(s.email, seen + 1);
      expect(notice.subject).toBe('Your password was reset');
      expect(notice.text).toContain('Second factors you have set up (an authenticator app, passkeys) stay as they were');
      await eventually(async () => {
        const types = await auditTypes(fresh.accessToken);
        expect(types).toEqual(expect.arrayContaining(['user.password_reset_requested', 'user.password_reset']));
      });
    });

    it('a bad email answers 400; a garbage token answers 400 invalid_token', async () => {
      expect((await ctx.api.auth.password.forgot.$post({ json: { email: 'not an address' } })).status).toBe(400);
      await expectInvalidToken(ctx.api.auth.password.reset.$post({ json: { token: 'x'.repeat(43), newPassword: 'a fine passphrase' } }));
    });

    it('a mail that fails while SMTP is down is retried, and arrives once it is back; the request answered at once', async () => {
      const s = await ctx.api.register();
      await mailTo(s.email); // its verification mail, before the outage
      const seen = ctx.smtp.received.length;
      await ctx.smtp.stop();
      try {
        expect((await ctx.api.auth.password.forgot.$post({ json: { email: s.email } })).status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 1500)); // a few failed sends
        expect(ctx.smtp.received.length).toBe(seen);
      } finally {
        await ctx.smtp.start();
      }
      const mail = await mailTo(s.email, seen, 30_000);
      expect(mail.subject).toBe('Reset your password');
      expect(
        (await ctx.api.auth.password.reset.$post({ json: { token: tokenIn(mail, 'reset-password'), newPassword: 'after the outage' } }))
          .status,
      ).toBe(204);
    });

    it('forgot answers an unknown and a known address alike: status, body and (median) time', async () => {
      const known = await ctx.api.register();
      const unknown = `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      const bodies = new Set<string>();
      const ask = async (which: 'known' | 'unknown') => {
        const started = performance.now();
        const res = await ctx.api.auth.password.forgot.$post({ json: { email: which === 'known' ? known.email : unknown } });
        const body = await res.text();
        times[which].push(performance.now() - started);
        bodies.add(`${res.status} ${res.headers.get('Content-Type')} ${body}`);
      };
      // Alternating, in a random order within each pair, so drift in the machine's load hits both alike.
      for (let i = 0; i < 100; i++) {
        const pair: Array<'known' | 'unknown'> = Math.random() < 0.5 ? ['known', 'unknown'] : ['unknown', 'known'];
        for (const which of pair) await ask(which);
      }
      expect([...bodies]).toHaveLength(1);
      expect([...bodies][0]).toMatch(/^202 application\/json/);
      const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const [knownMs, unknownMs] = [median(times.known), median(times.unknown)];
      // Alike within a fifth, or within 3 ms where a loaded machine's noise is larger than that: what
      // would tell an address apart (an argon2 hash, a mail sent inline, 10 ms and more) fails both.
      const alike = Math.abs(knownMs - unknownMs) < 3 || (knownMs / unknownMs > 0.8 && knownMs / unknownMs < 1.25);
      expect(alike, `median known ${knownMs.toFixed(2)} ms, unknown ${unknownMs.toFixed(2)} ms`).toBe(true);
    });
  });

  describe('email change', () => {
    it('mails the link to the new address and a notice to the old; the link makes it the account’s, verified', async () => {
      const s = await ctx.api.signedUp();
      const stranger = await ctx.api.register();
      const newEmail = ctx.api.uniqueEmail();
      const change = (json: { newEmail: string; password: string }) => ctx.api.users.me.email.$post({ json }, bearer(s.accessToken));
      expect((await change({ newEmail, password: 'not the password' })).status).toBe(401);
      const taken = await read(change({ newEmail: stranger.email.toUpperCase(), password: s.password }));
      expect([taken.status, taken.body.code]).toEqual([409, 'email_taken']);
      const seen = ctx.smtp.received.length;
      expect((await change({ newEmail, password: s.password })).status).toBe(202);

      const notice = await mailTo(s.email, seen);
      expect([notice.subject, notice.text.includes(newEmail), notice.links]).toEqual(['Your email address is being changed', true, []]);
      const token = tokenIn(await mailTo(newEmail, seen), 'confirm-email');
      expect((await ctx.api.auth.email.change.$post({ json: { token } })).status).toBe(204);
      expect((await read(ctx.api.users.me.$get({}, bearer(s.accessToken)))).body).toMatchObject({ email: newEmail, emailVerified: true });
      await ctx.api.login(newEmail);
      expect((await ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })).status).toBe(401);
      await expectInvalidToken(ctx.api.auth.email.change.$post({ json: { token } }));
      await eventually(async () => expect(await auditTypes(s.accessToken)).toContain('user.email_changed'));
    });

    it('answers 409 when another account took the address between the request and the link', async () => {
      const s = await ctx.api.signedUp();
      const newEmail = ctx.api.uniqueEmail();
      const seen = ctx.smtp.received.length;
      expect((await ctx.api.users.me.email.$post({ json: { newEmail, password: s.password } }, bearer(s.accessToken))).status).toBe(202);
      const token = tokenIn(await mailTo(newEmail, seen), 'confirm-email');
      await ctx.api.register(newEmail);
      const res = await read(ctx.api.auth.email.change.$post({ json: { token } }));
      expect([res.status, res.body.code]).toEqual([409, 'email_taken']);
      expect((await read(ctx.api.users.me.$get({}, bearer(s.accessToken)))).body.email).toBe(s.email);
    });
  });
}
