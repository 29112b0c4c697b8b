import { describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../modules/mfa/mod.ts';
import { createSoftAuthenticator, type CreationOptionsLike, type SoftAuthenticator } from '../support/soft-authenticator.ts';
import { bearer, read } from './client.ts';
import { eventually, useTarget, type StartTarget } from './harness.ts';

/** Where the deployment says people reach it: the relying party of its passkeys. */
const publicUrl = 'https://auth.example.test';

// The options' schema is open (WebAuthn adds fields), which the typed client cannot narrow.
const creation = (body: unknown) => body as CreationOptionsLike;

/** API.md, "Second factors": enrolment and management of TOTP, recovery codes and passkeys. */
export function mfaScenarios(start: StartTarget) {
  describe('second factors', () => {
    const ctx = useTarget(start, { PUBLIC_URL: publicUrl });

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
  });
}
