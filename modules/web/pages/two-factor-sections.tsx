/** @jsxImportSource hono/jsx */
import { Field, FormAlert, PostForm } from '../layout.tsx';
import type { Visit } from '../session.ts';
import { errorsFor, when, type SectionErrors } from './account-sections.tsx';

export interface MfaSummary {
  totp: boolean;
  passkeys: Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>;
  recoveryCodesLeft: number;
}

export function TwoFactorSection({ mfa, visit, shown }: { mfa: MfaSummary; visit: Visit; shown?: SectionErrors }) {
  const errors = errorsFor('two-factor', shown);
  return (
    <section aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">Two-factor authentication</h2>
      <FormAlert errors={errors} />
      {mfa.totp ? (
        <>
          <p>
            Authenticator app: <strong>on</strong>. Recovery codes left: {mfa.recoveryCodesLeft}.
          </p>
          <PostForm action="/account/recovery-codes" visit={visit} label="New recovery codes">
            <FormAlert errors={errorsFor('codes', shown)} />
            <Field name="password" id="codes-password" label="Password" type="password" autocomplete="current-password" errors={errorsFor('codes', shown)} />
            <button type="submit" class="secondary">
              New recovery codes
            </button>
          </PostForm>
          <PostForm action="/account/totp/disable" visit={visit} label="Turn off authenticator app">
            <FormAlert errors={errorsFor('totp-off', shown)} />
            <Field
              name="password"
              id="totp-off-password"
              label="Password"
              type="password"
              autocomplete="current-password"
              errors={errorsFor('totp-off', shown)}
            />
            <button type="submit" class="secondary">
              Turn off authenticator app
            </button>
          </PostForm>
        </>
      ) : (
        <PostForm action="/account/totp" visit={visit} label="Set up authenticator app">
          <p>Authenticator app: off. Confirm your password to set one up.</p>
          <Field name="password" id="totp-password" label="Password" type="password" autocomplete="current-password" errors={errors} />
          <button type="submit">Set up authenticator app</button>
        </PostForm>
      )}
    </section>
  );
}

export function PasskeysSection({ mfa, visit, shown }: { mfa: MfaSummary; visit: Visit; shown?: SectionErrors }) {
  return (
    <section aria-labelledby="passkeys-heading">
      <h2 id="passkeys-heading">Passkeys</h2>
      <FormAlert errors={errorsFor('passkeys', shown)} />
      {mfa.passkeys.length === 0 ? (
        <p>No passkeys yet.</p>
      ) : (
        <ul>
          {mfa.passkeys.map((passkey) => (
            <li data-passkey-id={passkey.id}>
              {passkey.name}, added {when(passkey.createdAt)}{' '}
              <PostForm action={`/account/passkeys/${encodeURIComponent(passkey.id)}/remove`} visit={visit}>
                <button type="submit" class="secondary" aria-label={`Remove passkey ${passkey.name}`}>
                  Remove
                </button>
              </PostForm>
            </li>
          ))}
        </ul>
      )}
      <form data-passkey-register hidden aria-label="Add a passkey">
        <Field name="name" id="passkey-name" label="Passkey name" required={false} />
        <button type="submit">Add a passkey</button>
      </form>
      <p role="alert" class="error" data-passkey-error></p>
      <noscript>
        <p>Adding a passkey needs JavaScript.</p>
      </noscript>
    </section>
  );
}
