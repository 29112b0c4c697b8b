import { describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../modules/mfa/mod.ts';
import { createSoftAuthenticator, tampered, type CreationOptionsLike, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { bearer, decodeJwt, read } from './client.ts';
import { eventually, scenarioAdminEnv, scenarioAdmins, useTarget, type StartTarget } from './harness.ts';

/** Where the deployment says people reach it: the relying party of its passkeys. */
export const publicUrl = 'https://auth.example.test';

// The options' schema is open (WebAuthn adds fields), which the typed client cannot narrow.
const creation = (body: unknown) => body as CreationOptionsLike;
const challengeOf = (body: unknown) => (body as { challenge: string }).challenge;

/** A code that matches no TOTP secret and no recovery code. */
const wrongCode = 'nope';

/** API.md, "Second factors": enrolment and management of TOTP, recovery codes and passkeys. */
export function mfaScenarios(start: StartTarget) {
  describe('second factors', () => {
    const adminEmail = scenarioAdmins.mfa;
    const ctx = useTarget(start, { PUBLIC_URL: publicUrl, ...scenarioAdminEnv });

    let admin: Promise<ReturnType<typeof bearer>> | undefined;
    /** The admin's headers; the admin account is made on first use. */
    const asAdmin = () => (admin ??= ctx.api.register(adminEmail).then(async () => bearer((await ctx.api.login(adminEmail)).accessToken)));

    const auditTypes = async (token: string) =>
      (await read(ctx.api.audit.me.$get({ query: {} }, bearer(token)))).body.events.map((e) => e.type);

    async function enrolTotp(accessToken: string, password = ctx.api.password) {
      const started = await read(ctx.api.users.me.mfa.totp.$post({ json: { password } }, bearer(accessToken)));
      expect(started.status).toBe(200);
      const { secret } = started.body;
      const confirmed = await read(
        ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: totpCodeAt(secret, new Date()) } }, bearer(accessToken)),
      );
      expect(confirmed.status).toBe(200);
      return { secret, recoveryCodes: confirmed.body.recoveryCodes };
    }

    async function registerPasskey(accessToken: string, authenticator: SoftAuthenticator, name?: string) {
      const options = await read(ctx.api.users.me.passkeys.options.$post({}, bearer(accessToken)));
      expect(options.status).toBe(200);
      return read(
        ctx.api.users.me.passkeys.$post(
          { json: { credential: authenticator.register(creation(options.body)), name } },
          bearer(accessToken),
        ),
      );
    }

    it('TOTP: enrol with the password, confirm with a code, get ten recovery codes; other sessions end', async () => {
      const s = await ctx.api.signedUp();
      const other = await ctx.api.login(s.email);
      const started = await read(ctx.api.users.me.mfa.totp.$post({ json: { password: s.password } }, bearer(s.accessToken)));
      expect(started.status).toBe(200);
      expect(started.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=[A-Z2-7]{32}.*/);
      expect((await read(ctx.api.users.me.mfa.$get({}, bearer(s.accessToken)))).body).toEqual({
        totp: false,
        passkeys: [],
        recoveryCodesLeft: 0,
      });

      const confirmed = await read(
        ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: totpCodeAt(started.body.secret, new Date()) } }, bearer(s.accessToken)),
      );
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.recoveryCodes).toHaveLength(10);
      expect((await read(ctx.api.users.me.mfa.$get({}, bearer(s.accessToken)))).body).toEqual({
        totp: true,
        passkeys: [],
        recoveryCodesLeft: 10,
      });
      await eventually(async () => expect((await ctx.api.users.me.$get({}, bearer(other.accessToken))).status).toBe(401), 3000);
      expect((await ctx.api.users.me.$get({}, bearer(s.accessToken))).status).toBe(200);
      await eventually(async () => expect(await auditTypes(s.accessToken)).toContain('user.mfa_enabled'));
    });

    it('TOTP: a wrong password is 401, a wrong code 400 invalid_code, a second enrolment 409', async () => {
      const s = await ctx.api.signedUp();
      const wrongPassword = await read(ctx.api.users.me.mfa.totp.$post({ json: { password: 'not my password' } }, bearer(s.accessToken)));
      expect(wrongPassword.status).toBe(401);
      const noneYet = await read(ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: '123456' } }, bearer(s.accessToken)));
      expect(noneYet.status).toBe(400);
      expect(noneYet.body.code).toBe('invalid_code');
      const { secret } = (await read(ctx.api.users.me.mfa.totp.$post({ json: { password: s.password } }, bearer(s.accessToken)))).body;
      const good = totpCodeAt(secret, new Date());
      const wrong = await read(
        ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: good === '000000' ? '000001' : '000000' } }, bearer(s.accessToken)),
      );
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('invalid_code');
      expect((await ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: good } }, bearer(s.accessToken))).status).toBe(200);
      // The confirming code was spent: a replay in its step is refused.
      expect((await ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: good } }, bearer(s.accessToken))).status).toBe(400);
      const again = await read(ctx.api.users.me.mfa.totp.$post({ json: { password: s.password } }, bearer(s.accessToken)));
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('mfa_already_enabled');
    });

    it('recovery codes: regenerated with the password (409 without a factor), and TOTP removed with it', async () => {
      const s = await ctx.api.signedUp();
      const none = await read(ctx.api.users.me.mfa['recovery-codes'].$post({ json: { password: s.password } }, bearer(s.accessToken)));
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('mfa_not_enabled');
      const { recoveryCodes: old } = await enrolTotp(s.accessToken, s.password);
      const wrong = await ctx.api.users.me.mfa['recovery-codes'].$post({ json: { password: 'not my password' } }, bearer(s.accessToken));
      expect(wrong.status).toBe(401);
      const fresh = await read(ctx.api.users.me.mfa['recovery-codes'].$post({ json: { password: s.password } }, bearer(s.accessToken)));
      expect(fresh.status).toBe(200);
      expect(fresh.body.recoveryCodes).toHaveLength(10);
      expect(fresh.body.recoveryCodes.filter((c: string) => old.includes(c))).toEqual([]);

      expect((await ctx.api.users.me.mfa.totp.$delete({ json: { password: 'not my password' } }, bearer(s.accessToken))).status).toBe(401);
      expect((await ctx.api.users.me.mfa.totp.$delete({ json: { password: s.password } }, bearer(s.accessToken))).status).toBe(204);
      expect((await read(ctx.api.users.me.mfa.$get({}, bearer(s.accessToken)))).body).toEqual({
        totp: false,
        passkeys: [],
        recoveryCodesLeft: 0,
      });
      await eventually(async () =>
        expect(await auditTypes(s.accessToken)).toEqual(expect.arrayContaining(['user.recovery_codes_regenerated', 'user.mfa_disabled'])),
      );
    });

    it('passkeys: register several with names, list them, remove one; a bad credential is 400 invalid_credential', async () => {
      const s = await ctx.api.signedUp();
      const laptop = createSoftAuthenticator({ origin: publicUrl });
      const options = await read(ctx.api.users.me.passkeys.options.$post({}, bearer(s.accessToken)));
      expect(options.body).toMatchObject({ rp: { id: 'auth.example.test' }, user: { name: s.email }, attestation: 'none' });

      const forged = await read(
        ctx.api.users.me.passkeys.$post(
          { json: { credential: laptop.register(creation(options.body), { origin: 'https://evil.example' }) } },
          bearer(s.accessToken),
        ),
      );
      expect(forged.status).toBe(400);
      expect(forged.body.code).toBe('invalid_credential');
      // The refused attempt spent its challenge.
      const replayed = await ctx.api.users.me.passkeys.$post(
        { json: { credential: laptop.register(creation(options.body)) } },
        bearer(s.accessToken),
      );
      expect(replayed.status).toBe(400);

      const first = await registerPasskey(s.accessToken, laptop, 'Laptop');
      expect(first.status).toBe(201);
      expect(first.body.passkey).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: expect.any(String) });
      const second = await registerPasskey(s.accessToken, createSoftAuthenticator({ origin: publicUrl }));
      expect(second.status).toBe(201);
      expect((await registerPasskey(s.accessToken, laptop)).status).toBe(400); // registered already

      const listed = await read(ctx.api.users.me.mfa.$get({}, bearer(s.accessToken)));
      expect(listed.body.passkeys.map((p: { name: string }) => p.name)).toEqual(['Laptop', 'Passkey 2']);

      const stranger = await ctx.api.signedUp();
      const foreign = await read(
        ctx.api.users.me.passkeys[':id'].$delete({ param: { id: first.body.passkey.id } }, bearer(stranger.accessToken)),
      );
      expect(foreign.status).toBe(404);
      expect(foreign.body.code).toBe('passkey_not_found');
      const removed = await ctx.api.users.me.passkeys[':id'].$delete({ param: { id: first.body.passkey.id } }, bearer(s.accessToken));
      expect(removed.status).toBe(204);
      expect((await read(ctx.api.users.me.mfa.$get({}, bearer(s.accessToken)))).body.passkeys).toHaveLength(1);
      await eventually(async () =>
        expect(await auditTypes(s.accessToken)).toEqual(expect.arrayContaining(['user.passkey_added', 'user.passkey_removed'])),
      );
    });

    it('every second-factor route needs an access token', async () => {
      const anonymous = [
        ctx.api.users.me.mfa.$get({}),
        ctx.api.users.me.mfa.totp.$post({ json: { password: 'x' } }),
        ctx.api.users.me.mfa.totp.confirm.$post({ json: { code: '123456' } }),
        ctx.api.users.me.mfa.totp.$delete({ json: { password: 'x' } }),
        ctx.api.users.me.mfa['recovery-codes'].$post({ json: { password: 'x' } }),
        ctx.api.users.me.passkeys.options.$post({}),
        ctx.api.users.me.passkeys[':id'].$delete({ param: { id: 'x' } }),
      ];
      for (const res of await Promise.all(anonymous)) expect(res.status).toBe(401);
    });

    describe('login with a second factor', () => {
      /** The password step: 202 and an mfaToken for an account with a second factor. */
      async function passwordStep(email: string, password = ctx.api.password, headers?: Record<string, string>) {
        const res = await read(ctx.api.auth.login.$post({ json: { email, password } }, headers && { headers }));
        expect(res.status).toBe(202);
        return res.body;
      }
      const verify = (json: Parameters<typeof ctx.api.auth.mfa.verify.$post>[0]['json'], headers?: Record<string, string>) =>
        read(ctx.api.auth.mfa.verify.$post({ json }, headers && { headers }));
      /** A TOTP code of the next step: the current one was spent confirming the enrolment (±1 step is accepted). */
      const nextCode = (secret: string) => totpCodeAt(secret, new Date(Date.now() + 30_000));

      it('TOTP: login answers 202 with an mfaToken and no tokens; a code finishes it with amr ["pwd","otp"]; the code is not taken twice', async () => {
        const s = await ctx.api.signedUp();
        const { secret } = await enrolTotp(s.accessToken, s.password);
        const first = await passwordStep(s.email);
        expect(first).toEqual({
          mfaRequired: true,
          mfaToken: expect.stringMatching(/^[\w-]{43}$/),
          methods: ['totp', 'recovery_code'],
          expiresIn: 300,
        });

        const code = nextCode(secret);
        const done = await verify({ mfaToken: first.mfaToken, method: 'totp', code });
        expect(done.status).toBe(200);
        expect(decodeJwt(done.body.accessToken).payload).toMatchObject({ sub: s.user.id, amr: ['pwd', 'otp'] });
        expect((await ctx.api.users.me.$get({}, bearer(done.body.accessToken))).status).toBe(200);
        const refreshed = await read(ctx.api.auth.refresh.$post({ json: { refreshToken: done.body.refreshToken } }));
        expect(decodeJwt(refreshed.body.accessToken).payload.amr).toEqual(['pwd', 'otp']);

        // The mfaToken was spent; the code's step too, so a second login cannot replay it.
        const used = await verify({ mfaToken: first.mfaToken, method: 'totp', code });
        expect([used.status, used.body.code]).toEqual([401, 'invalid_mfa_token']);
        const second = await passwordStep(s.email);
        const replayed = await verify({ mfaToken: second.mfaToken, method: 'totp', code });
        expect([replayed.status, replayed.body.code]).toEqual([401, 'invalid_code']);
        expect(replayed.headers.get('Content-Type')).toContain('application/problem+json');
        await eventually(async () =>
          expect(await auditTypes(done.body.accessToken)).toEqual(expect.arrayContaining(['user.login', 'user.login_mfa_failed'])),
        );
      });

      it('a recovery code finishes a login once (amr ["pwd","otp"]); of two second steps racing on one mfaToken exactly one wins', async () => {
        const s = await ctx.api.signedUp();
        const { recoveryCodes } = await enrolTotp(s.accessToken, s.password);
        const { mfaToken } = await passwordStep(s.email);
        const racing = await Promise.all(
          [recoveryCodes[0]!, recoveryCodes[1]!].map((code) => verify({ mfaToken, method: 'recovery_code', code })),
        );
        const winners = racing.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        expect(decodeJwt(winners[0]!.body.accessToken).payload.amr).toEqual(['pwd', 'otp']);

        const again = await passwordStep(s.email);
        const spent = recoveryCodes.find((_, i) => i < 2 && racing[i]!.status === 200)!;
        const reused = await verify({ mfaToken: again.mfaToken, method: 'recovery_code', code: spent });
        expect([reused.status, reused.body.code]).toEqual([401, 'invalid_code']);
        expect((await verify({ mfaToken: again.mfaToken, method: 'recovery_code', code: recoveryCodes[5]! })).status).toBe(200);
        const left = (await read(ctx.api.users.me.mfa.$get({}, bearer(winners[0]!.body.accessToken)))).body.recoveryCodesLeft;
        expect(left).toBeLessThanOrEqual(8);
      });

      it('an mfaToken is bound to its client, refused when unknown, and asks for the field its method needs', async () => {
        const s = await ctx.api.signedUp();
        const { secret } = await enrolTotp(s.accessToken, s.password);
        const { mfaToken } = await passwordStep(s.email);
        const elsewhere = await verify({ mfaToken, method: 'totp', code: nextCode(secret) }, { 'User-Agent': 'another-browser/2.0' });
        expect([elsewhere.status, elsewhere.body.code]).toEqual([401, 'invalid_mfa_token']);
        const unknown = await verify({ mfaToken: 'A'.repeat(43), method: 'totp', code: nextCode(secret) });
        expect([unknown.status, unknown.body.code]).toEqual([401, 'invalid_mfa_token']);
        const noCode = await verify({ mfaToken, method: 'totp' });
        expect(noCode.status).toBe(400);
        const badMethod = await ctx.api.call<{ status: number }>('POST', '/api/auth/mfa/verify', {
          json: { mfaToken, method: 'sms', code: '1' },
        });
        expect(badMethod.status).toBe(400);
        // None of that spent the token: its own client finishes the login.
        expect((await verify({ mfaToken, method: 'totp', code: nextCode(secret) })).status).toBe(200);
      });

      it('wrong codes answer 401 invalid_code, the fifth voids the mfaToken, and they count toward the account throttle that a right password does not clear', async () => {
        const s = await ctx.api.signedUp();
        const { secret } = await enrolTotp(s.accessToken, s.password);
        // Ten failures cost nothing (README, the throttle's policy), over two mfaTokens of five each.
        for (let login = 0; login < 2; login++) {
          const { mfaToken } = await passwordStep(s.email);
          for (let i = 0; i < 5; i++) {
            const wrong = await verify({ mfaToken, method: 'totp', code: wrongCode });
            expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_code']);
          }
          const voided = await verify({ mfaToken, method: 'totp', code: nextCode(secret) });
          expect([voided.status, voided.body.code]).toEqual([401, 'invalid_mfa_token']);
        }
        // The right password again: the eleventh wrong code blocks the account's codes, the right one included.
        const { mfaToken } = await passwordStep(s.email);
        expect((await verify({ mfaToken, method: 'totp', code: wrongCode })).status).toBe(401);
        const throttled = await verify({ mfaToken, method: 'totp', code: nextCode(secret) });
        expect([throttled.status, throttled.body.code]).toEqual([429, 'rate_limited']);
        expect(Number(throttled.headers.get('Retry-After'))).toBeGreaterThan(0);
      });

      it('an admin’s sign-out of every session voids the logins waiting for their second step', async () => {
        const admin = await asAdmin();
        const s = await ctx.api.signedUp();
        // A passkey's options ask about the mfaToken without spending or counting anything.
        const key = createSoftAuthenticator({ origin: publicUrl });
        expect((await registerPasskey(s.accessToken, key)).status).toBe(201);
        const { mfaToken } = await passwordStep(s.email);
        const options = () => read(ctx.api.auth.mfa.webauthn.options.$post({ json: { mfaToken } }));
        expect((await options()).status).toBe(200);
        expect((await ctx.api.admin.users[':id'].sessions.$delete({ param: { id: s.user.id } }, admin)).status).toBe(204);
        await eventually(async () => expect((await options()).body.code).toBe('invalid_mfa_token'));
      });

      it('a passkey as the second factor: options for the mfaToken, then an assertion gives amr ["pwd","hwk"]; tampered and replayed assertions are refused', async () => {
        const s = await ctx.api.signedUp();
        const key = createSoftAuthenticator({ origin: publicUrl });
        expect((await registerPasskey(s.accessToken, key)).status).toBe(201);
        const { mfaToken, methods } = await passwordStep(s.email);
        expect(methods).toEqual(['webauthn']);
        const options = async () => {
          const res = await read(ctx.api.auth.mfa.webauthn.options.$post({ json: { mfaToken } }));
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ rpId: 'auth.example.test', allowCredentials: [{ id: key.credentialId }] });
          return challengeOf(res.body);
        };
        const forged = await verify({ mfaToken, method: 'webauthn', credential: tampered(key.assert(await options())) });
        expect([forged.status, forged.body.code]).toEqual([401, 'invalid_credential']);
        const assertion = key.assert(await options());
        const done = await verify({ mfaToken, method: 'webauthn', credential: assertion });
        expect(done.status).toBe(200);
        expect(decodeJwt(done.body.accessToken).payload.amr).toEqual(['pwd', 'hwk']);

        const next = await passwordStep(s.email);
        const replayed = await verify({ mfaToken: next.mfaToken, method: 'webauthn', credential: assertion });
        expect([replayed.status, replayed.body.code]).toEqual([401, 'invalid_credential']);
        const stale = await read(ctx.api.auth.mfa.webauthn.options.$post({ json: { mfaToken } })); // spent by the login
        expect([stale.status, stale.body.code]).toEqual([401, 'invalid_mfa_token']);
      });

      it('a discoverable passkey alone logs in with amr ["hwk","user"]; tampered, replayed and unverified assertions are refused', async () => {
        const s = await ctx.api.signedUp();
        const key = createSoftAuthenticator({ origin: publicUrl });
        expect((await registerPasskey(s.accessToken, key)).status).toBe(201);
        const options = async () => {
          const res = await read(ctx.api.auth.passkey.options.$post({}));
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ rpId: 'auth.example.test', userVerification: 'required' });
          expect((res.body as { allowCredentials?: unknown[] }).allowCredentials ?? []).toEqual([]);
          return challengeOf(res.body);
        };
        const login = (credential: ReturnType<SoftAuthenticator['assert']>) => read(ctx.api.auth.passkey.$post({ json: { credential } }));

        const assertion = key.assert(await options());
        const done = await login(assertion);
        expect(done.status).toBe(200);
        expect(done.body.user.id).toBe(s.user.id);
        expect(decodeJwt(done.body.accessToken).payload).toMatchObject({ sub: s.user.id, amr: ['hwk', 'user'] });
        for (const refused of [await login(assertion), await login(tampered(key.assert(await options())))]) {
          expect([refused.status, refused.body.code]).toEqual([401, 'invalid_credential']);
        }
        // A second factor is fine, but alone a passkey must verify its user (PIN, biometrics).
        const presenceOnly = createSoftAuthenticator({ origin: publicUrl, userVerification: false });
        expect((await registerPasskey(s.accessToken, presenceOnly)).status).toBe(201);
        expect((await login(presenceOnly.assert(await options()))).status).toBe(401);
        await eventually(async () => expect(await auditTypes(done.body.accessToken)).toContain('user.login'));
      });

      it('admin sees an account’s second factors and removes them; a disabled account is refused on every login path', async () => {
        const admin = await asAdmin();
        const s = await ctx.api.signedUp();
        await enrolTotp(s.accessToken, s.password);
        const key = createSoftAuthenticator({ origin: publicUrl });
        expect((await registerPasskey(s.accessToken, key, 'Phone')).status).toBe(201);
        const param = { param: { id: s.user.id } };
        const shown = await read(ctx.api.admin.users[':id'].$get(param, admin));
        expect(shown.body.mfa).toMatchObject({ totp: true, passkeys: [{ name: 'Phone' }], recoveryCodesLeft: 10 });

        // Disabled: the password answers 403 at once, a pending second step and a passkey alone too.
        const { mfaToken } = await passwordStep(s.email);
        expect((await ctx.api.admin.users[':id'].disable.$post(param, admin)).status).toBe(204);
        const challenge = challengeOf((await read(ctx.api.auth.passkey.options.$post({}))).body);
        for (const refused of [
          await read(ctx.api.auth.login.$post({ json: { email: s.email, password: s.password } })),
          await verify({
            mfaToken,
            method: 'webauthn',
            credential: key.assert(challengeOf((await read(ctx.api.auth.mfa.webauthn.options.$post({ json: { mfaToken } }))).body)),
          }),
          await read(ctx.api.auth.passkey.$post({ json: { credential: key.assert(challenge) } })),
        ]) {
          expect([refused.status, refused.body.code]).toEqual([403, 'account_disabled']);
        }
        expect((await ctx.api.admin.users[':id'].enable.$post(param, admin)).status).toBe(204);

        expect((await ctx.api.admin.users[':id'].mfa.$delete(param, admin)).status).toBe(204);
        expect((await read(ctx.api.admin.users[':id'].$get(param, admin))).body.mfa).toEqual({
          totp: false,
          passkeys: [],
          recoveryCodesLeft: 0,
        });
        const fresh = await ctx.api.login(s.email); // the password alone again
        expect(decodeJwt(fresh.accessToken).payload.amr).toEqual(['pwd']);
        await eventually(async () => expect(await auditTypes(fresh.accessToken)).toContain('admin.mfa_reset'));
      });
    });
  });
}
