/** @jsxImportSource hono/jsx */
import { Columns, Field, FormAlert, PostForm, Section, type FormErrors } from '../layout.tsx';
import type { Visit } from '../session.ts';

export interface Me {
  id: string;
  email: string;
  displayName: string | null;
  emailVerified: boolean;
}
export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent?: string | null;
  ip?: string | null;
  current: boolean;
}
export interface ActivityEvent {
  id: string;
  type: string;
  time: string;
  ip?: string | null;
  userAgent?: string | null;
}

/** The security activity's event types, as a person reads them. */
const activityText: Record<string, string> = {
  'user.registered': 'Account created',
  'user.login': 'Signed in',
  'user.login_failed': 'Failed sign-in',
  'user.logout': 'Signed out',
  'user.password_changed': 'Password changed',
  'session.revoked': 'Session signed out',
  'session.refresh_reuse_detected': 'Session ended: a token was reused',
  'user.email_verified': 'Email verified',
  'user.password_reset_requested': 'Password reset requested',
  'user.password_reset': 'Password reset',
  'user.email_changed': 'Email changed',
  'user.mfa_enabled': 'Two-factor turned on',
  'user.mfa_disabled': 'Two-factor turned off',
  'user.recovery_codes_regenerated': 'New recovery codes',
  'user.passkey_added': 'Passkey added',
  'user.passkey_removed': 'Passkey removed',
  'user.login_mfa_failed': 'Wrong second factor',
  'admin.user_disabled': 'Disabled by an administrator',
  'admin.user_enabled': 'Enabled by an administrator',
  'admin.sessions_revoked': 'Signed out by an administrator',
  'admin.user_unlocked': 'Unlocked by an administrator',
};

/** A time as UTC text, the same on every device (no script adjusts it). */
export const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

/** Errors for one section of the account page (its forms share one page). */
export type SectionErrors = { section: string; errors: FormErrors };
export const errorsFor = (section: string, shown?: SectionErrors) => (shown?.section === section ? shown.errors : undefined);

/** A form the password confirms (the API asks for it again): its errors, the password, and a button saying what it does. */
export function PasswordConfirmedForm({
  action,
  visit,
  id,
  label,
  errors,
  button,
}: {
  action: string;
  visit: Visit;
  /** The password input's id, unique on the page. */
  id: string;
  label: string;
  errors?: FormErrors;
  button?: 'secondary' | 'danger';
}) {
  return (
    <PostForm action={action} visit={visit} label={label}>
      <FormAlert errors={errors} />
      <Field name="password" id={id} label="Password" type="password" autocomplete="current-password" errors={errors} />
      <button type="submit" class={button}>
        {label}
      </button>
    </PostForm>
  );
}

export function ProfileSection({ me, visit, shown }: { me: Me; visit: Visit; shown?: SectionErrors }) {
  const errors = errorsFor('profile', shown);
  return (
    <Section id="profile" title="Profile">
      <p>
        Email: <strong>{me.email}</strong> {me.emailVerified ? '(verified)' : '(not verified)'}
      </p>
      {!me.emailVerified && (
        <PostForm action="/account/verification" visit={visit}>
          <FormAlert errors={errorsFor('verification', shown)} />
          <button type="submit" class="secondary">
            Send a new verification link
          </button>
        </PostForm>
      )}
      <PostForm action="/account/profile" visit={visit} label="Profile">
        <FormAlert errors={errors} />
        <Field name="displayName" label="Display name" autocomplete="nickname" value={me.displayName ?? ''} errors={errors} />
        <button type="submit">Save</button>
      </PostForm>
    </Section>
  );
}

export function PasswordSection({ visit, shown }: { visit: Visit; shown?: SectionErrors }) {
  const errors = errorsFor('password', shown);
  return (
    <Section id="password" title="Password">
      <PostForm action="/account/password" visit={visit} label="Change password">
        <FormAlert errors={errors} />
        <Field name="currentPassword" label="Current password" type="password" autocomplete="current-password" errors={errors} />
        <Field name="newPassword" label="New password" type="password" autocomplete="new-password" errors={errors} />
        <button type="submit">Change password</button>
      </PostForm>
    </Section>
  );
}

export function EmailSection({ visit, shown }: { visit: Visit; shown?: SectionErrors }) {
  const errors = errorsFor('email', shown);
  return (
    <Section id="email" title="Email">
      <PostForm action="/account/email" visit={visit} label="Change email">
        <FormAlert errors={errors} />
        <Field name="newEmail" label="New email" type="email" autocomplete="email" errors={errors} />
        <Field name="password" id="email-password" label="Password" type="password" autocomplete="current-password" errors={errors} />
        <button type="submit">Change email</button>
      </PostForm>
    </Section>
  );
}

export function SessionsSection({ sessions, visit, shown }: { sessions: SessionView[]; visit: Visit; shown?: SectionErrors }) {
  return (
    <Section id="sessions" title="Sessions">
      <FormAlert errors={errorsFor('sessions', shown)} />
      <table>
        <caption class="muted">Where you are signed in</caption>
        <Columns names={['Device', 'Address', 'Last used', 'Action']} />
        <tbody>
          {sessions.map((session) => (
            <tr data-session={session.id}>
              <td>{session.userAgent ?? 'Unknown device'}</td>
              <td>{session.ip ?? '–'}</td>
              <td>{when(session.lastUsedAt)}</td>
              <td>
                {session.current ? (
                  <strong>This device</strong>
                ) : (
                  <PostForm action={`/account/sessions/${encodeURIComponent(session.id)}/sign-out`} visit={visit}>
                    <button
                      type="submit"
                      class="secondary"
                      aria-label={`Sign out ${session.userAgent ?? 'unknown device'}, last used ${when(session.lastUsedAt)}`}
                    >
                      Sign out
                    </button>
                  </PostForm>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions.length > 1 && (
        <PostForm action="/account/sessions/sign-out-others" visit={visit}>
          <button type="submit">Sign out all other sessions</button>
        </PostForm>
      )}
    </Section>
  );
}

export const DeleteAccountSection = ({ visit, shown }: { visit: Visit; shown?: SectionErrors }) => (
  <Section id="delete" title="Delete account">
    <p>This deletes your account with its sessions, passkeys and authenticator app, for good.</p>
    <PasswordConfirmedForm
      action="/account/delete"
      visit={visit}
      id="delete-password"
      label="Delete account"
      errors={errorsFor('delete', shown)}
      button="danger"
    />
  </Section>
);

export function ActivitySection({ events }: { events: ActivityEvent[] }) {
  return (
    <Section id="activity" title="Security activity">
      {events.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <table>
          <Columns names={['What', 'When', 'Address', 'Device']} />
          <tbody>
            {events.map((event) => (
              <tr>
                <td>{activityText[event.type] ?? event.type}</td>
                <td>{when(event.time)}</td>
                <td>{event.ip ?? '–'}</td>
                <td>{event.userAgent ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
