/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { page, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { errorsOf, statusOf } from '../form.ts';
import { FormAlert, Notice, PostForm, type FormErrors } from '../layout.tsx';

/** A link of a mail: where it leads, what the API does with its token, and what the person is told. */
interface EmailLink {
  path: string;
  title: string;
  intro: string;
  api: string;
  done: string;
}

const links: EmailLink[] = [
  {
    path: '/verify-email',
    title: 'Verify your email',
    intro: 'Confirm that this address is yours.',
    api: '/api/auth/email/verify',
    done: 'Your email address is verified.',
  },
  {
    path: '/confirm-email',
    title: 'Confirm your new email',
    intro: 'Confirm that your account should use this new address from now on.',
    api: '/api/auth/email/change',
    done: 'Your account now uses the new email address.',
  },
];

function Confirm({ c, link, errors }: { c: WebContext; link: EmailLink; errors?: FormErrors }) {
  return (
    <>
      <p>{link.intro}</p>
      <PostForm action={link.path} visit={c.get('visit')} label={link.title}>
        <FormAlert errors={errors} />
        <button type="submit">Verify</button>
      </PostForm>
    </>
  );
}

function Done({ c, text }: { c: WebContext; text: string }) {
  return (
    <>
      <Notice text={text} />
      <p>{c.get('visit').signedIn ? <a href="/account">Go to your account</a> : <a href="/login">Sign in</a>}</p>
    </>
  );
}

/**
 * `/verify-email?token=` and `/confirm-email?token=`: the page asks for a click, and only the
 * POST spends the token, so a mail scanner that fetches links cannot use it up.
 */
export function emailLinkPages(app: Hono<WebEnv>, { callApi, linkTokens }: Web) {
  for (const link of links) {
    app.get(link.path, (c) => linkTokens.takeFromUrl(c) ?? page(c, link.title, <Confirm c={c} link={link} />));
    app.post(link.path, async (c) => {
      const answer = await callApi(c, 'POST', link.api, { json: { token: linkTokens.read(c) } });
      if (answer.status === 204) {
        linkTokens.clear(c);
        return page(c, link.title, <Done c={c} text={link.done} />);
      }
      const errors =
        (answer.body as { code?: string }).code === 'invalid_token' ? { form: 'This link is invalid, used or expired.' } : errorsOf(answer);
      return page(c, link.title, <Confirm c={c} link={link} errors={errors} />, { status: statusOf(answer) });
    });
  }
}
