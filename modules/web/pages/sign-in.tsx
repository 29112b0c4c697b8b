/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import type { ApiProblem } from '../api.ts';
import { noticeOf, page, passkeyScripts, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { codeErrorsOf, errorsOf, readForm, statusOf } from '../form.ts';
import { CodeForm, Field, FormAlert, Notice, PostForm, type FormErrors } from '../layout.tsx';
import type { TokenAnswer } from '../session.ts';

/** The login answer when a second factor is due (API.md, "Second factors"). */
interface SecondFactorDue {
  mfaRequired: true;
  mfaToken: string;
  methods: string[];
  expiresIn: number;
}

function PasswordStep({ c, email, errors }: { c: WebContext; email?: string; errors?: FormErrors }) {
  const visit = c.get('visit');
  return (
    <>
      <Notice text={noticeOf(c)} />
      <PostForm action="/login" visit={visit} label="Sign in">
        <FormAlert errors={errors} />
        <Field name="email" label="Email" type="email" autocomplete="username webauthn" value={email} errors={errors} />
        <Field name="password" label="Password" type="password" autocomplete="current-password" errors={errors} />
        <button type="submit">Sign in</button>
      </PostForm>
      <p hidden data-passkey-area>
        <button type="button" class="secondary" data-passkey="sign-in">
          Sign in with a passkey
        </button>
      </p>
      <p role="alert" class="error" data-passkey-error></p>
      <p>
        <a href="/forgot-password">Forgot your password?</a> · <a href="/register">Create an account</a>
      </p>
    </>
  );
}

function SecondFactorStep({ c, errors }: { c: WebContext; errors?: FormErrors }) {
  const visit = c.get('visit');
  const methods = visit.secondFactor?.methods ?? [];
  return (
    <>
      <p>Your account has a second factor. Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
      <CodeForm action="/login/verify" visit={visit} label="Second factor" errors={errors} inputmode="text" />
      {methods.includes('webauthn') && (
        <p hidden data-passkey-area>
          <button type="button" class="secondary" data-passkey="second-factor">
            Use a passkey
          </button>
        </p>
      )}
      <p role="alert" class="error" data-passkey-error></p>
      <PostForm action="/logout" visit={visit}>
        <button type="submit" class="secondary">
          Start over
        </button>
      </PostForm>
    </>
  );
}

/** `/login`: email and password, then (when the account has one) the second factor; passkeys through the script. */
export function signInPages(app: Hono<WebEnv>, { sessions, callApi }: Web) {
  const passwordStep = (c: WebContext, status: 200 | 400 = 200, email?: string, errors?: FormErrors) =>
    page(c, 'Sign in', <PasswordStep c={c} email={email} errors={errors} />, { status, scripts: passkeyScripts });
  const secondFactorStep = (c: WebContext, status: 200 | 400 = 200, errors?: FormErrors) =>
    page(c, 'Second factor', <SecondFactorStep c={c} errors={errors} />, { status, scripts: passkeyScripts });

  /** A finished sign-in: the browser session starts, and the account page follows. */
  const signedIn = async (c: WebContext, answer: TokenAnswer) => {
    await sessions.signIn(c, answer);
    return seeOther(c, '/account');
  };

  app.get('/login', (c) => {
    const visit = c.get('visit');
    if (visit.signedIn) return seeOther(c, '/account');
    return visit.secondFactor ? secondFactorStep(c) : passwordStep(c);
  });

  app.post('/login', async (c) => {
    const { email = '', password = '' } = await readForm(c);
    const answer = await callApi<TokenAnswer & SecondFactorDue>(c, 'POST', '/api/auth/login', { json: { email, password } });
    if (answer.status === 200) return signedIn(c, answer.body);
    if (answer.status === 202) {
      await sessions.awaitSecondFactor(c, answer.body);
      return seeOther(c, '/login');
    }
    return passwordStep(c, statusOf(answer), email, errorsOf(answer));
  });

  app.post('/login/verify', async (c) => {
    const pending = c.get('visit').secondFactor;
    if (!pending) return seeOther(c, '/login');
    const code = ((await readForm(c)).code ?? '').trim();
    // Authenticator codes are six digits; anything else can only be a recovery code.
    const method = /^\d{6}$/.test(code) ? 'totp' : 'recovery_code';
    const answer = await callApi<TokenAnswer>(c, 'POST', '/api/auth/mfa/verify', { json: { mfaToken: pending.mfaToken, method, code } });
    if (answer.status === 200) return signedIn(c, answer.body);
    const problem = answer.body as ApiProblem;
    if (answer.status === 401 && problem.code !== 'invalid_code') {
      await sessions.end(c);
      return seeOther(c, '/login?done=second-factor-expired');
    }
    return secondFactorStep(c, statusOf(answer), codeErrorsOf(answer));
  });

  // The passkey script's two steps, as JSON: a passkey alone, or as the second factor of a pending sign-in.
  app.post('/login/passkey/options', async (c) => {
    const pending = c.get('visit').secondFactor;
    const answer = pending
      ? await callApi(c, 'POST', '/api/auth/mfa/webauthn/options', { json: { mfaToken: pending.mfaToken } })
      : await callApi(c, 'POST', '/api/auth/passkey/options', { json: {} });
    return c.json(answer.body, answer.status as 200);
  });

  app.post('/login/passkey', async (c) => {
    const { credential } = (await c.req.json().catch(() => ({}))) as { credential?: unknown };
    const pending = c.get('visit').secondFactor;
    const answer = pending
      ? await callApi<TokenAnswer>(c, 'POST', '/api/auth/mfa/verify', {
          json: { mfaToken: pending.mfaToken, method: 'webauthn', credential },
        })
      : await callApi<TokenAnswer>(c, 'POST', '/api/auth/passkey', { json: { credential } });
    if (answer.status !== 200) return c.json({ error: errorsOf(answer).form ?? 'That passkey was not accepted.' }, answer.status as 401);
    await sessions.signIn(c, answer.body);
    return c.json({ location: '/account' });
  });

  app.post('/logout', async (c) => {
    const visit = c.get('visit');
    if (visit.signedIn) await callApi(c, 'POST', '/api/auth/logout', { token: visit.signedIn.accessToken });
    await sessions.end(c);
    return seeOther(c, '/login?done=signed-out');
  });
}
