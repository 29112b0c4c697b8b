/** @jsxImportSource hono/jsx */
import { Field, FormAlert, PostForm, Section } from '../layout.tsx';
import type { Visit } from '../session.ts';
import { errorsFor, PasswordConfirmedForm, when, type SectionErrors } from './account-sections.tsx';

export interface MfaSummary {
  totp: boolean;
  passkeys: Array<{ id: string; name: string; createdAt: string; lastUsedAt: string | null }>;
  recoveryCodesLeft: number;
}

export function TwoFactorSection({ mfa, visit, shown }: { mfa: MfaSummary; visit: Visit; shown?: SectionErrors }) {
  return (
    <Section id="two-factor" title="Two-factor authentication">
      {mfa.totp ? (
        <>
          <p>
            Authenticator app: <strong>on</strong>. Recovery codes left: {mfa.recoveryCodesLeft}.
          </p>
          <PasswordConfirmedForm
            action="/account/recovery-codes"
            visit={visit}
            id="codes-password"
            label="New recovery codes"
            errors={errorsFor('codes', shown)}
            button="secondary"
          />
          <PasswordConfirmedForm
            action="/account/totp/disable"
            visit={visit}
            id="totp-off-password"
            label="Turn off authenticator app"
            errors={errorsFor('totp-off', shown)}
            button="secondary"
          />
        </>
      ) : (
        <>
          <p>Authenticator app: off. Confirm your password to set one up.</p>
          <PasswordConfirmedForm
            action="/account/totp"
            visit={visit}
            id="totp-password"
            label="Set up authenticator app"
            errors={errorsFor('two-factor', shown)}
          />
        </>
      )}
    </Section>
  );
}

export function PasskeysSection({ mfa, visit, shown }: { mfa: MfaSummary; visit: Visit; shown?: SectionErrors }) {
  return (
    <Section id="passkeys" title="Passkeys">
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
    </Section>
  );
}
