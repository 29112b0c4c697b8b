/** @jsxImportSource hono/jsx */
import type { Hono } from 'hono';
import { noticeOf, page, seeOther, type Web, type WebContext, type WebEnv } from '../context.tsx';
import { errorsOf, readForm } from '../form.ts';
import { Columns, FormAlert, Notice, PostForm } from '../layout.tsx';
import { when } from './account-sections.tsx';

interface Account {
  id: string;
  email: string;
  displayName: string | null;
  emailVerified: boolean;
  disabled: boolean;
  lastLoginAt: string | null;
}

/** What an admin can do to an account: the API call, and the notice after it. */
const actions = {
  disable: { method: 'POST', path: (id: string) => `/api/admin/users/${id}/disable`, done: 'disabled' },
  enable: { method: 'POST', path: (id: string) => `/api/admin/users/${id}/enable`, done: 'enabled' },
  'sign-out': { method: 'DELETE', path: (id: string) => `/api/admin/users/${id}/sessions`, done: 'admin-signed-out' },
  unlock: { method: 'POST', path: (id: string) => `/api/admin/users/${id}/unlock`, done: 'unlocked' },
} as const;
type Action = keyof typeof actions;

function ActionButton({
  c,
  account,
  action,
  label,
  query,
}: {
  c: WebContext;
  account: Account;
  action: Action;
  label: string;
  query: string;
}) {
  return (
    <PostForm action={`/admin/users/${encodeURIComponent(account.id)}/${action}`} visit={c.get('visit')}>
      <input type="hidden" name="query" value={query} />
      <button type="submit" class="secondary" aria-label={`${label} ${account.email}`}>
        {label}
      </button>
    </PostForm>
  );
}

function Users({ c, users, query }: { c: WebContext; users: Account[]; query: string }) {
  return (
    <>
      <Notice text={noticeOf(c)} />
      <search>
        <form method="get" action="/admin">
          <p class="field">
            <label for="query">Search by email or name</label>
            <input id="query" name="query" type="search" value={query} />
          </p>
          <button type="submit">Search</button>
        </form>
      </search>
      <table>
        <caption class="muted">{users.length === 0 ? 'No accounts match.' : `${users.length} accounts, newest first`}</caption>
        <Columns names={['Email', 'Status', 'Last sign-in', 'Actions']} />
        <tbody>
          {users.map((account) => (
            <tr data-user={account.email}>
              <td>
                {account.email}
                {account.displayName && <span class="muted"> ({account.displayName})</span>}
              </td>
              <td>
                {account.disabled ? 'Disabled' : 'Active'}
                {account.emailVerified ? '' : ', email not verified'}
              </td>
              <td>{account.lastLoginAt ? when(account.lastLoginAt) : 'Never'}</td>
              <td>
                {account.disabled ? (
                  <ActionButton c={c} account={account} action="enable" label="Enable" query={query} />
                ) : (
                  <ActionButton c={c} account={account} action="disable" label="Disable" query={query} />
                )}
                <ActionButton c={c} account={account} action="sign-out" label="Sign out" query={query} />
                <ActionButton c={c} account={account} action="unlock" label="Unlock" query={query} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const forbidden = (c: WebContext) => page(c, 'Admin', <p role="alert">This page is for administrators only.</p>, { status: 403 });

/** `/admin`: find accounts, and disable, enable, sign out or unlock one. The API checks the role; the page follows it. */
export function adminPages(app: Hono<WebEnv>, { sessions: { callAs } }: Web) {
  app.get('/admin', async (c) => {
    const query = (c.req.query('query') ?? '').slice(0, 254);
    const answer = await callAs<{ users: Account[] }>(
      c,
      c.get('visit'),
      'GET',
      `/api/admin/users?limit=50&query=${encodeURIComponent(query)}`,
    );
    if (answer.status === 403) return forbidden(c);
    if (answer.status !== 200) return page(c, 'Admin', <FormAlert errors={errorsOf(answer)} />, { status: 503 });
    return page(c, 'Admin', <Users c={c} users={answer.body.users} query={query} />);
  });

  app.post('/admin/users/:id/:action{disable|enable|sign-out|unlock}', async (c) => {
    const action = actions[c.req.param('action') as Action];
    const { query = '' } = await readForm(c);
    const answer = await callAs(c, c.get('visit'), action.method, action.path(encodeURIComponent(c.req.param('id'))));
    if (answer.status === 403) return forbidden(c);
    const back = `/admin?query=${encodeURIComponent(query)}`;
    if (answer.status !== 204)
      return page(c, 'Admin', <FormAlert errors={errorsOf(answer)} />, { status: answer.status === 404 ? 404 : 503 });
    return seeOther(c, `${back}&done=${action.done}`);
  });
}
