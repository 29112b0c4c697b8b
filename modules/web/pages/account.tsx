/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { noticeOf, page, passkeyScripts, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { errorsOf, readForm, statusOf } from '../form.ts';
import { Notice, type FormErrors } from '../layout.tsx';
import type { ApiAnswer } from '../api.ts';
import {
  ActivitySection,
  DeleteAccountSection,
  EmailSection,
  PasswordSection,
  ProfileSection,
  SessionsSection,
  type ActivityEvent,
  type Me,
  type SectionErrors,
  type SessionView,
} from './account-sections.tsx';
import { PasskeysSection, TwoFactorSection, type MfaSummary } from './two-factor-sections.tsx';

/** The account page: everything about the signed-in account, read from the API in parallel. */
export async function accountPage({ callAs }: Web['sessions'], c: WebContext, shown?: SectionErrors, status: 200 | 400 = 200) {
  const visit = c.get('visit');
  const [me, sessions, activity, mfa] = await Promise.all([
    callAs<Me>(c, visit, 'GET', '/api/users/me'),
    callAs<{ sessions: SessionView[] }>(c, visit, 'GET', '/api/sessions'),
    callAs<{ events: ActivityEvent[] }>(c, visit, 'GET', '/api/audit/me?limit=20'),
    callAs<MfaSummary>(c, visit, 'GET', '/api/users/me/mfa'),
  ]);
  const failed = [me, sessions, activity, mfa].find((answer) => answer.status !== 200);
  if (failed) return page(c, 'Account', <p role="alert">{errorsOf(failed).form}</p>, { status: failed.status >= 500 ? 503 : 400 });
  const body = (
    <>
      <Notice text={noticeOf(c)} />
      <ProfileSection me={me.body} visit={visit} shown={shown} />
      <PasswordSection visit={visit} shown={shown} />
      <EmailSection visit={visit} shown={shown} />
      <SessionsSection sessions={sessions.body.sessions} visit={visit} shown={shown} />
      <TwoFactorSection mfa={mfa.body} visit={visit} shown={shown} />
      <PasskeysSection mfa={mfa.body} visit={visit} shown={shown} />
      <ActivitySection events={activity.body.events} />
      <DeleteAccountSection visit={visit} shown={shown} />
    </>
  );
  return page(c, 'Account', body, { status, scripts: passkeyScripts });
}

/** A failed form of the account page: the page again, with the errors in the form's section. */
export function accountFailure(web: Web, c: WebContext, section: string, answer: ApiAnswer<unknown>, known: KnownFailures = {}) {
  return accountPage(web.sessions, c, { section, errors: known[answer.status] ?? errorsOf(answer) }, statusOf(answer));
}

/** Failures a form explains in its own words, by the API's status (e.g. a wrong password next to its field). */
export type KnownFailures = Partial<Record<number, FormErrors>>;

/** The API's 401 to a request confirmed with the password (the session itself is fine: see callAs). */
export const wrongPassword = (field: string): KnownFailures => ({ 401: { fields: { [field]: 'That password is not right.' } } });

/**
 * A form of the account page: the API call its fields make, and the notice a success leads to; a
 * failure shows the page again with the errors in the form's section.
 */
export function accountAction(
  web: Web,
  section: string,
  call: (c: WebContext, form: Record<string, string>) => Promise<ApiAnswer<unknown>>,
  done: string,
  known?: KnownFailures,
) {
  return async (c: WebContext) => {
    const answer = await call(c, await readForm(c));
    if (answer.status < 300) return seeOther(c, `/account?done=${done}`);
    return accountFailure(web, c, section, answer, known);
  };
}

/** `/account` and its profile, password, email, session and account-deletion forms. */
export function accountPages(app: Hono<WebEnv>, web: Web) {
  const { callAs } = web.sessions;
  app.get('/account', (c) => accountPage(web.sessions, c));

  app.post(
    '/account/profile',
    accountAction(
      web,
      'profile',
      (c, { displayName = '' }) => callAs(c, c.get('visit'), 'PATCH', '/api/users/me', { displayName }),
      'profile',
    ),
  );
  app.post(
    '/account/verification',
    accountAction(web, 'verification', (c) => callAs(c, c.get('visit'), 'POST', '/api/users/me/email/verification'), 'verification'),
  );
  app.post(
    '/account/password',
    accountAction(
      web,
      'password',
      (c, { currentPassword = '', newPassword = '' }) =>
        callAs(c, c.get('visit'), 'POST', '/api/users/me/password', { currentPassword, newPassword }),
      'password',
      wrongPassword('currentPassword'),
    ),
  );
  app.post(
    '/account/email',
    accountAction(
      web,
      'email',
      (c, { newEmail = '', password = '' }) => callAs(c, c.get('visit'), 'POST', '/api/users/me/email', { newEmail, password }),
      'email-change',
      { ...wrongPassword('password'), 409: { fields: { newEmail: 'Another account uses this email.' } } },
    ),
  );
  app.post(
    '/account/sessions/sign-out-others',
    accountAction(web, 'sessions', (c) => callAs(c, c.get('visit'), 'DELETE', '/api/sessions?others=true'), 'others-revoked'),
  );
  app.post(
    '/account/sessions/:id/sign-out',
    accountAction(
      web,
      'sessions',
      (c) => callAs(c, c.get('visit'), 'DELETE', `/api/sessions/${encodeURIComponent(c.req.param('id') ?? '')}`),
      'session-revoked',
    ),
  );
  // The API ends every session of the account with it; the browser's ends here.
  app.post('/account/delete', async (c) => {
    const { password = '' } = await readForm(c);
    const answer = await callAs(c, c.get('visit'), 'DELETE', '/api/users/me', { password });
    if (answer.status !== 204) return accountFailure(web, c, 'delete', answer, wrongPassword('password'));
    await web.sessions.end(c);
    return seeOther(c, '/login?done=account-deleted');
  });
}

/** Pages that need a signed-in browser send others to sign in. */
export const requireSignIn = async (c: WebContext, next: () => Promise<void>) => {
  if (!c.get('visit').signedIn) return seeOther(c, '/login');
  await next();
};
