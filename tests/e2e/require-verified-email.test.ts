import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { createClient, read, type Client } from './client.ts';
import { monolith, type Target } from './harness.ts';

// REQUIRE_VERIFIED_EMAIL=true, on the monolith: the scenarios of every deployment run with the
// default (false), and an unverified account could not sign in to ask for a resend there.
describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let smtp: TestSmtpServer;
  let target: Target;
  let api: Client;
  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    target = await monolith({ DATABASE_URL: 'memory', MAIL_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'true' })();
    api = createClient(target);
  });
  afterAll(async () => {
    await target?.close();
    await smtp?.close();
  });

  it('an unverified account’s login answers 403 email_not_verified (only for the right password), then works once verified', async () => {
    const { email, password } = await api.register();
    const refused = await read(api.auth.login.$post({ json: { email, password } }));
    expect([refused.status, refused.body.code]).toEqual([403, 'email_not_verified']);
    expect(refused.headers.get('Content-Type')).toContain('application/problem+json');
    expect((await api.auth.login.$post({ json: { email, password: 'not the password' } })).status).toBe(401);

    const mail = await smtp.waitFor((m) => m.envelope.to.includes(email));
    const token = new URL(mail.links[0]!).searchParams.get('token')!;
    expect(mail.links[0]).toMatch(/^http:\/\/localhost:3000\/verify-email\?token=/); // PUBLIC_URL's default
    expect((await api.auth.email.verify.$post({ json: { token } })).status).toBe(204);
    expect((await api.login(email, password)).user.emailVerified).toBe(true);
  });
});
