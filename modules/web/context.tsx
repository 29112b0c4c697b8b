/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../kernel/http.ts';
import type { CallApi } from './api.ts';
import type { LinkTokens } from './link-token.ts';
import { pageHeaders } from './form.ts';
import { Layout } from './layout.tsx';
import type { BrowserSessions, Visit } from './session.ts';

/** The gateway's variables, and the browser behind the request (set before every page handler). */
export type WebEnv = { Variables: AppEnv['Variables'] & { visit: Visit } };
export type WebContext = Context<WebEnv>;

/** What every page group's routes use. */
export interface Web {
  sessions: BrowserSessions;
  callApi: CallApi;
  linkTokens: LinkTokens;
}

/** The scripts of a page with passkey buttons: @simplewebauthn/browser's bundle, then ours. */
export const passkeyScripts = ['/web/webauthn.js', '/web/passkeys.js'];

/** Who a page shows when it failed before the browser was known. */
const nobody: Visit = { signedIn: null, secondFactor: null, csrfToken: '', roles: [] };

/** A whole page under the layout, with the page headers (policy, no caching). */
export function page(
  c: WebContext,
  title: string,
  body: Child,
  { status = 200, scripts }: { status?: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503; scripts?: string[] } = {},
) {
  pageHeaders(c);
  const html = (
    <Layout title={title} visit={c.get('visit') ?? nobody} scripts={scripts}>
      {body}
    </Layout>
  );
  return c.html(`<!doctype html>${html}`, status);
}

/** After a form succeeds: the page to show next, fetched with GET (so a reload does not post again). */
export const seeOther = (c: Context, location: string) => c.redirect(location, 303);

/** Confirmations named by `?done=` after a redirect: fixed texts, never text from the URL. */
const notices: Record<string, string> = {
  registered: 'Your account is created. We sent you a link to verify your email address. You can sign in now.',
  'signed-out': 'You are signed out.',
  'session-ended': 'Your session has ended. Please sign in again.',
  'account-deleted': 'Your account is deleted.',
  'password-reset': 'Your password is set. Sign in with the new one.',
  'second-factor-expired': 'That sign-in took too long. Please start again.',
  profile: 'Your profile is saved.',
  password: 'Your password is changed. Your other sessions are signed out.',
  'email-change': 'We sent a confirmation link to the new address. Your email changes once you open it.',
  verification: 'We sent you a new verification link.',
  'session-revoked': 'That session is signed out.',
  'others-revoked': 'Every other session is signed out.',
  'totp-disabled': 'The authenticator app is turned off.',
  'passkey-added': 'Your passkey is added.',
  'passkey-removed': 'The passkey is removed.',
  disabled: 'The account is disabled and signed out everywhere.',
  enabled: 'The account is enabled.',
  'admin-signed-out': 'The account is signed out everywhere.',
  unlocked: 'The account is unlocked.',
};
export const noticeOf = (c: Context) => notices[c.req.query('done') ?? ''];
