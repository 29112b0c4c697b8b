/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { page, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { errorsOf, readForm, statusOf } from '../form.ts';
import { Field, FormAlert, PostForm, type FormErrors } from '../layout.tsx';

function RegisterForm({ c, values = {}, errors }: { c: WebContext; values?: Record<string, string>; errors?: FormErrors }) {
  return (
    <>
      <PostForm action="/register" visit={c.get('visit')} label="Create account">
        <FormAlert errors={errors} />
        <Field name="email" label="Email" type="email" autocomplete="email" value={values.email} errors={errors} />
        <Field
          name="displayName"
          label="Display name"
          autocomplete="nickname"
          value={values.displayName}
          errors={errors}
          required={false}
        />
        <Field name="password" label="Password" type="password" autocomplete="new-password" errors={errors} />
        <p class="muted">At least 8 characters; a passphrase of a few words is easy to remember and hard to guess.</p>
        <button type="submit">Create account</button>
      </PostForm>
      <p>
        Already have an account? <a href="/login">Sign in</a>
      </p>
    </>
  );
}

/** `/register`: a new account, then the sign-in page (the verification mail is on its way). */
export function registerPages(app: Hono<WebEnv>, { callApi }: Web) {
  app.get('/register', (c) => (c.get('visit').signedIn ? seeOther(c, '/account') : page(c, 'Create account', <RegisterForm c={c} />)));

  app.post('/register', async (c) => {
    const { email = '', password = '', displayName = '' } = await readForm(c);
    const json = { email, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) };
    const answer = await callApi(c, 'POST', '/api/auth/register', { json });
    if (answer.status === 201) return seeOther(c, '/login?done=registered');
    const errors = answer.status === 409 ? { fields: { email: 'An account with this email already exists.' } } : errorsOf(answer);
    return page(c, 'Create account', <RegisterForm c={c} values={{ email, displayName }} errors={errors} />, { status: statusOf(answer) });
  });
}
