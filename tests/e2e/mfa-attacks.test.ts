import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../modules/mfa/mod.ts';
import { createSoftAuthenticator, type CreationOptionsLike, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { bearer, decodeJwt, read, type Client } from './client.ts';
import { eventually } from './harness.ts';
import { loggingMonolith } from './logging-monolith.ts';

// Attacks on the login's second step, on the memory monolith, with its log captured: whatever
// they try, the answers stay 4xx problems and no mfaToken, code or credential reaches a log line.

const publicUrl = 'https://auth.example.test';
const challengeOf = (body: unknown) => (body as { challenge: string }).challenge;
type Assertion = ReturnType<SoftAuthenticator['assert']>;

describe('second step under attack', () => {
  /** Every mfaToken, code and assertion the tests handled: none may appear in the log. */
  const secrets: string[] = [];
  let monolith: Awaited<ReturnType<typeof loggingMonolith>>;
  let api: Client;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    monolith = await loggingMonolith({ PUBLIC_URL: publicUrl, LOG_LEVEL: 'debug' });
    ({ api, lines } = monolith);
  });
  afterAll(() => monolith?.close());

  async function withTotp() {
    const s = await api.signedUp();
    const { secret } = (await read(api.users.me.mfa.totp.$post({ json: { password: s.password } }, bearer(s.accessToken)))).body;
    const confirmed = await read(
      api.users.me.mfa.totp.confirm.$post({ json: { code: totpCodeAt(secret, new Date()) } }, bearer(s.accessToken)),
    );
    expect(confirmed.status).toBe(200);
    secrets.push(secret, ...confirmed.body.recoveryCodes);
    return { ...s, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  async function withPasskey() {
    const s = await api.signedUp();
    const key = createSoftAuthenticator({ origin: publicUrl });
    const options = await read(api.users.me.passkeys.options.$post({}, bearer(s.accessToken)));
    const added = await api.users.me.passkeys.$post(
      { json: { credential: key.register(options.body as unknown as CreationOptionsLike) } },
      bearer(s.accessToken),
    );
    expect(added.status).toBe(201);
    return { ...s, key };
  }

  async function mfaTokenOf(email: string) {
    const res = await read(api.auth.login.$post({ json: { email, password: api.password } }));
    expect(res.status).toBe(202);
    secrets.push(res.body.mfaToken);
    return res.body.mfaToken as string;
  }

  const verify = async (json: Record<string, unknown>) => {
    for (const value of [json.code, json.mfaToken]) if (typeof value === 'string') secrets.push(value);
    const credential = json.credential as Assertion | undefined;
    if (credential?.response?.signature) secrets.push(credential.response.signature);
    return api.call<{ code?: string; accessToken?: string }>('POST', '/api/auth/mfa/verify', { json });
  };
  const secondStepChallenge = async (mfaToken: string) =>
    challengeOf((await api.call('POST', '/api/auth/mfa/webauthn/options', { json: { mfaToken } })).body);
  const passwordlessChallenge = async () => challengeOf((await read(api.auth.passkey.options.$post({}))).body);
  const nextCode = (secret: string) => totpCodeAt(secret, new Date(Date.now() + 30_000));

  it('one account’s mfaToken takes no other account’s code or passkey, nor a passwordless assertion; its own factor still works', async () => {
    const ada = await withTotp();
    const grace = await withPasskey();
    const bob = await withTotp();
    const adaToken = await mfaTokenOf(ada.email);
    const graceToken = await mfaTokenOf(grace.email);

    const foreignCode = await verify({ mfaToken: adaToken, method: 'totp', code: nextCode(bob.secret) });
    expect([foreignCode.status, foreignCode.body.code]).toEqual([401, 'invalid_code']);
    const foreignRecovery = await verify({ mfaToken: adaToken, method: 'recovery_code', code: bob.recoveryCodes[0] });
    expect([foreignRecovery.status, foreignRecovery.body.code]).toEqual([401, 'invalid_code']);
    // Options under Ada's token: she has no passkey.
    const noPasskey = await api.call<{ code: string }>('POST', '/api/auth/mfa/webauthn/options', { json: { mfaToken: adaToken } });
    expect([noPasskey.status, noPasskey.body.code]).toEqual([409, 'mfa_not_enabled']);
    // Grace's assertion, over a challenge made for Grace's login, presented with Ada's token.
    const graceAssertion = grace.key.assert(await secondStepChallenge(graceToken));
    const swapped = await verify({ mfaToken: adaToken, method: 'webauthn', credential: graceAssertion });
    expect([swapped.status, swapped.body.code]).toEqual([401, 'invalid_credential']);
    // A passwordless challenge does not serve a second step, nor a second step's challenge a passwordless login.
    const alone = await verify({ mfaToken: graceToken, method: 'webauthn', credential: grace.key.assert(await passwordlessChallenge()) });
    expect([alone.status, alone.body.code]).toEqual([401, 'invalid_credential']);
    const stepAsAlone = await api.call('POST', '/api/auth/passkey', {
      json: { credential: grace.key.assert(await secondStepChallenge(graceToken)) },
    });
    expect(stepAsAlone.status).toBe(401);

    const done = await verify({ mfaToken: adaToken, method: 'totp', code: nextCode(ada.secret) });
    expect(done.status).toBe(200);
    expect(decodeJwt(done.body.accessToken!).payload).toMatchObject({ sub: ada.user.id, amr: ['pwd', 'otp'] });
  });

  it('a passwordless assertion naming another account in its user handle is refused', async () => {
    const victim = await withPasskey();
    const attacker = await withPasskey();
    const own = attacker.key.assert(await passwordlessChallenge());
    const victimHandle = Buffer.from(victim.user.id as string).toString('base64url');
    const claimed = await api.call('POST', '/api/auth/passkey', {
      json: { credential: { ...own, response: { ...own.response, userHandle: victimHandle } } },
    });
    expect(claimed.status).toBe(401);
    const honest = await read(api.auth.passkey.$post({ json: { credential: attacker.key.assert(await passwordlessChallenge()) } }));
    expect(honest.body.user.id).toBe(attacker.user.id);
  });

  it('a wrong password answers the same whether the account has a second factor or not, or does not exist', async () => {
    const withFactor = await withTotp();
    const without = await api.signedUp();
    const answers = [];
    for (const email of [withFactor.email, without.email, api.uniqueEmail()]) {
      const res = await api.call<Record<string, unknown>>('POST', '/api/auth/login', { json: { email, password: 'not the password' } });
      const { instance: _instance, requestId: _requestId, ...body } = res.body;
      answers.push({ status: res.status, type: res.headers.get('Content-Type'), body });
    }
    expect(answers[0]).toMatchObject({ status: 401 });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('odd bodies on every second-step route are 4xx problems, never 5xx', async () => {
    const s = await withPasskey();
    const mfaToken = await mfaTokenOf(s.email);
    const credential = s.key.assert(await secondStepChallenge(mfaToken));
    const bodies: Array<[string, string]> = [
      ['/api/auth/mfa/verify', 'null'],
      ['/api/auth/mfa/verify', '[]'],
      ['/api/auth/mfa/verify', '"x"'],
      ['/api/auth/mfa/verify', '{'],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'totp', code: 123456 })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'totp', code: '１２３４５６' })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'totp', code: '12\u00003456' })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'totp', code: '1'.repeat(65) })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken: 'x'.repeat(100_000), method: 'totp', code: '123456' })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'webauthn', code: '123456' })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'webauthn', credential: { ...credential, type: 'x' } })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: 'webauthn', credential: { ...credential, response: null } })],
      ['/api/auth/mfa/verify', JSON.stringify({ mfaToken, method: '__proto__', code: '1' })],
      ['/api/auth/mfa/verify', `{"mfaToken":"${mfaToken}","method":"webauthn","credential":{"__proto__":{"id":"x"}}}`],
      ['/api/auth/mfa/webauthn/options', JSON.stringify({ mfaToken: ['a'] })],
      ['/api/auth/mfa/webauthn/options', '{}'],
      ['/api/auth/passkey', JSON.stringify({ credential: { ...credential, response: { ...credential.response, clientDataJSON: 'e30' } } })],
      ['/api/auth/passkey', JSON.stringify({ credential: { ...credential, response: { ...credential.response, userHandle: '!!' } } })],
      ['/api/auth/passkey', JSON.stringify({ credential: { ...credential, clientExtensionResults: { a: { b: { c: [1, 2, 3] } } } } })],
      ['/api/auth/passkey', JSON.stringify({ credential: { ...credential, id: 'A'.repeat(16_384), rawId: 'A'.repeat(16_384) } })],
      ['/api/auth/passkey', JSON.stringify({ credential: 'x'.repeat(2_000_000) })],
    ];
    for (const [path, rawBody] of bodies) {
      const res = await api.call<{ code?: string }>('POST', path, { rawBody });
      expect([path, rawBody.slice(0, 120), res.status]).toEqual([
        path,
        rawBody.slice(0, 120),
        expect.toSatisfy((s: number) => s >= 400 && s < 500),
      ]);
      expect(res.headers.get('Content-Type')).toContain('application/problem+json');
    }
    // None of that, nor the wrong factors among it, spent the login: the passkey finishes it.
    const done = await verify({ mfaToken, method: 'webauthn', credential: s.key.assert(await secondStepChallenge(mfaToken)) });
    expect(done.status).toBe(200);
  });

  it('a password change voids the logins waiting for their second step: the old password’s mfaToken makes no session', async () => {
    const s = await withTotp();
    const stolen = await mfaTokenOf(s.email); // whoever had the password, waiting for a code
    const owner = await verify({ mfaToken: await mfaTokenOf(s.email), method: 'totp', code: nextCode(s.secret) });
    expect(owner.status).toBe(200);
    const changed = await api.call('POST', '/api/users/me/password', {
      token: owner.body.accessToken,
      json: { currentPassword: s.password, newPassword: 'another sturdy passphrase 43' },
    });
    expect(changed.status).toBe(204);
    // The change's events are handled (its other sessions end) before the late second step comes.
    await eventually(async () =>
      expect((await api.call('GET', '/api/audit/me', { token: owner.body.accessToken })).body).toMatchObject({
        events: expect.arrayContaining([expect.objectContaining({ type: 'user.password_changed' })]),
      }),
    );
    const late = await verify({ mfaToken: stolen, method: 'recovery_code', code: s.recoveryCodes[0] });
    expect([late.status, late.body.code]).toEqual([401, 'invalid_mfa_token']);
  });

  it('no mfaToken, code, recovery code or assertion signature reaches the log', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const all = JSON.stringify(lines);
    expect(lines.some((l) => l.msg === 'user.login_mfa_failed')).toBe(true);
    for (const secret of new Set(secrets)) expect(all).not.toContain(secret);
  });
});
