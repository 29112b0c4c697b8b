/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { page, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { errorsOf, readForm, statusOf } from '../form.ts';
import { Field, FormAlert, Notice, PostForm, type FormErrors } from '../layout.tsx';

function ForgotForm({ c, email, errors, sent }: { c: WebContext; email?: string; errors?: FormErrors; sent?: boolean }) {
  return (
    <>
      <Notice
        text={sent ? 'If an account uses this address, a link to reset its password is on its way. It works for 30 minutes.' : undefined}
      />
      <PostForm action="/forgot-password" visit={c.get('visit')} label="Reset password">
        <FormAlert errors={errors} />
        <Field name="email" label="Email" type="email" autocomplete="email" value={email} errors={errors} />
        <button type="submit">Send reset link</button>
      </PostForm>
      <p>
        <a href="/login">Back to sign in</a>
      </p>
    </>
  );
}

function ResetForm({ c, errors }: { c: WebContext; errors?: FormErrors }) {
  return (
    <PostForm action="/reset-password" visit={c.get('visit')} label="Set new password">
      <FormAlert errors={errors} />
      <Field name="newPassword" label="New password" type="password" autocomplete="new-password" errors={errors} />
      <button type="submit">Set new password</button>
    </PostForm>
  );
}

const expiredLink = 'This link is invalid or has expired. Ask for a new one from “Forgot your password?”.';

/** `/forgot-password` and `/reset-password?token=` (the link of the reset mail). */
export function recoveryPages(app: Hono<WebEnv>, { callApi, linkTokens }: Web) {
  app.get('/forgot-password', (c) => page(c, 'Reset password', <ForgotForm c={c} />));

  app.post('/forgot-password', async (c) => {
    const { email = '' } = await readForm(c);
    const answer = await callApi(c, 'POST', '/api/auth/password/forgot', { json: { email } });
    if (answer.status === 202) return page(c, 'Reset password', <ForgotForm c={c} sent />);
    return page(c, 'Reset password', <ForgotForm c={c} email={email} errors={errorsOf(answer)} />, { status: statusOf(answer) });
  });

  app.get('/reset-password', (c) => linkTokens.takeFromUrl(c) ?? page(c, 'Set new password', <ResetForm c={c} />));

  app.post('/reset-password', async (c) => {
    const { newPassword = '' } = await readForm(c);
    const answer = await callApi(c, 'POST', '/api/auth/password/reset', { json: { token: linkTokens.read(c), newPassword } });
    if (answer.status === 204) {
      linkTokens.clear(c);
      return seeOther(c, '/login?done=password-reset');
    }
    const errors = (answer.body as { code?: string }).code === 'invalid_token' ? { form: expiredLink } : errorsOf(answer);
    return page(c, 'Set new password', <ResetForm c={c} errors={errors} />, { status: statusOf(answer) });
  });
}
