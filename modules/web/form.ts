import type { Context } from 'hono';
import type { ApiAnswer, ApiProblem } from './api.ts';
import type { FormErrors } from './layout.tsx';

/** A posted form's text fields (files and repeated names are not part of any form here). */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
}

/** Messages a person can act on, for failures whose API detail is written for developers. */
const byStatus: Record<number, string> = {
  413: 'That is more than this form takes.',
  429: 'Too many attempts. Wait a moment, then try again.',
  503: 'The service is busy or partly down. Please try again shortly.',
};

/**
 * The API's problem as a form's errors: the fields of a 400 next to their inputs (the forms name
 * their inputs as the API names its fields), anything else as the form's message.
 */
export function errorsOf(answer: ApiAnswer<unknown>, fieldMessages: Record<string, string> = {}): FormErrors {
  const problem = (answer.body ?? {}) as ApiProblem;
  const fields: Record<string, string> = {};
  for (const { path, message } of problem.errors ?? []) fields[path.split('.')[0]!] ??= fieldMessages[path] ?? message;
  const retry = answer.headers.get('Retry-After');
  let form = byStatus[answer.status] ?? (answer.status >= 500 ? 'Something went wrong on our side. Please try again.' : problem.detail);
  if (answer.status === 429 && retry) form = `Too many attempts. Try again in ${retry} seconds.`;
  return Object.keys(fields).length > 0 ? { fields, form: problem.errors ? undefined : form } : { form };
}

/** A wrong code of a second factor (`invalid_code`) next to the code field; any other problem as errorsOf has it. */
export const codeErrorsOf = (answer: ApiAnswer<unknown>): FormErrors =>
  (answer.body as ApiProblem | null)?.code === 'invalid_code'
    ? { fields: { code: 'That code is not right. Try the current one.' } }
    : errorsOf(answer);

/** The status a page re-shown with errors answers with: the API's, so a client sees the same outcome. */
export const statusOf = (answer: ApiAnswer<unknown>) => Math.max(answer.status, 400) as 400;

/** Headers of every page: a policy that allows this origin's own files only, and no caching of personal data. */
export const pagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function pageHeaders(c: Context) {
  c.header('Content-Security-Policy', pagePolicy);
  c.header('Cache-Control', 'no-store');
  // A mailed link's token never stays in a page's URL (link-token.ts); same-origin keeps every
  // other URL from other sites too, while this origin's own form posts still name it in Origin.
  c.header('Referrer-Policy', 'same-origin');
}
