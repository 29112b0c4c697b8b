/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';
import { csrfField } from './csrf.ts';
import type { Visit } from './session.ts';

/** A form's failures: per field (by the API's field name) and for the form as a whole. */
export interface FormErrors {
  fields?: Record<string, string>;
  form?: string;
}

/** Every page: one stylesheet, scripts only from this origin, a skip link, and the account's navigation. */
export function Layout({ title, visit, scripts = [], children }: { title: string; visit: Visit; scripts?: string[]; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={visit.csrfToken} />
        <title>{`${title} · modular-auth`}</title>
        <link rel="stylesheet" href="/web/style.css" />
        {/* No icon: otherwise every browser asks for /favicon.ico. */}
        <link rel="icon" href="data:," />
        {scripts.map((src) => (
          <script src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header>
          <nav aria-label="Account">
            <a href={visit.signedIn ? '/account' : '/login'} class="brand">
              modular-auth
            </a>
            {visit.signedIn && (
              <>
                <a href="/account">Account</a>
                {visit.roles.includes('admin') && <a href="/admin">Admin</a>}
                <form method="post" action="/logout" class="inline">
                  <CsrfField visit={visit} />
                  <button type="submit">Sign out</button>
                </form>
              </>
            )}
          </nav>
        </header>
        <main id="main">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

export const CsrfField = ({ visit }: { visit: Visit }) => <input type="hidden" name={csrfField} value={visit.csrfToken} />;

/** A labelled input; its error, if any, sits right under it and is tied to it for screen readers. */
export function Field({
  name,
  label,
  type = 'text',
  autocomplete,
  value,
  errors,
  required = true,
  id = name,
  inputmode,
}: {
  name: string;
  label: string;
  type?: string;
  autocomplete?: string;
  value?: string;
  errors?: FormErrors;
  required?: boolean;
  /** Unique on the page when two forms share a field name. */
  id?: string;
  inputmode?: 'numeric' | 'text' | 'email';
}) {
  const error = errors?.fields?.[name];
  const errorId = `${id}-error`;
  return (
    <p class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        autocomplete={autocomplete}
        value={type === 'password' ? undefined : value}
        required={required}
        inputmode={inputmode}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
      />
      {error && (
        <span id={errorId} class="error">
          {error}
        </span>
      )}
    </p>
  );
}

/** The failure of a whole form, announced as soon as the page shows it. */
export const FormAlert = ({ errors }: { errors?: FormErrors }) =>
  errors?.form || (errors?.fields && Object.keys(errors.fields).length > 0) ? (
    <p role="alert" class="alert">
      {errors.form ?? 'Please correct the fields marked below.'}
    </p>
  ) : null;

/** A confirmation after a redirect, read out politely. */
export const Notice = ({ text }: { text?: string | undefined }) =>
  text ? (
    <p role="status" class="notice">
      {text}
    </p>
  ) : null;

/** A part of a page under its own heading, which names it for screen readers. */
export const Section = ({ id, title, children }: { id: string; title: string; children: Child }) => (
  <section aria-labelledby={`${id}-heading`}>
    <h2 id={`${id}-heading`}>{title}</h2>
    {children}
  </section>
);

/** A table's column headings. */
export const Columns = ({ names }: { names: string[] }) => (
  <thead>
    <tr>
      {names.map((name) => (
        <th scope="col">{name}</th>
      ))}
    </tr>
  </thead>
);

/** The form for a code of a second factor (an authenticator app's, or a recovery code). */
export const CodeForm = ({
  action,
  visit,
  label,
  errors,
  inputmode,
}: {
  action: string;
  visit: Visit;
  label: string;
  errors?: FormErrors;
  inputmode: 'numeric' | 'text';
}) => (
  <PostForm action={action} visit={visit} label={label}>
    <FormAlert errors={errors} />
    <Field name="code" label="Code" autocomplete="one-time-code" inputmode={inputmode} errors={errors} />
    <button type="submit">Verify</button>
  </PostForm>
);

/** A form that posts to `action` with the browser's anti-forgery token. */
export function PostForm({ action, visit, children, label }: { action: string; visit: Visit; children: Child; label?: string }) {
  return (
    <form method="post" action={action} aria-label={label}>
      <CsrfField visit={visit} />
      {children}
    </form>
  );
}
