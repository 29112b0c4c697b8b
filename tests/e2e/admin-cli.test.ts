import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';
import { bearer, createClient, decodeJwt, read, type Client } from './client.ts';
import { eventually, monolith, type Target } from './harness.ts';

const run = promisify(execFile);
const schema = uniqueName('admin_cli');
const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema };

/** `npm run admin -- <args>` as an operator runs it, from its sources rather than dist/, on this file's own schema. */
async function admin(args: string[]) {
  const result = await run('node_modules/.bin/tsx', ['src/admin-cli.ts', ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    timeout: 60_000,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  return { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr };
}

// A monolith on the same database, as the CLI would run beside a deployment.
let target: Target;
let api: Client;
beforeAll(async () => {
  target = await monolith(env)();
  api = createClient(target);
});
afterAll(async () => {
  await target?.close();
  await dropTestStores([schema]);
});

describe('npm run admin', () => {
  it('grant gives an account a role, carried by its tokens from the next refresh and shown in its activity; revoke takes it away', async () => {
    const account = await api.signedUp();
    const granted = await admin(['grant', account.email.toUpperCase(), 'admin']);
    expect(granted).toEqual({
      code: 0,
      stdout: `Granted admin to ${account.email} (roles: admin); their access tokens carry it from their next login or refresh.\n`,
      stderr: '',
    });
    expect((await admin(['grant', account.email, 'admin'])).stdout).toBe(`${account.email} has the role admin already (roles: admin).\n`);

    expect(decodeJwt(account.accessToken).payload).toMatchObject({ roles: [] });
    expect((await api.call('GET', '/api/admin/users', { token: account.accessToken })).status).toBe(403);
    const refreshed = await read(api.auth.refresh.$post({ json: { refreshToken: account.refreshToken } }));
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.accessToken).payload).toMatchObject({ roles: ['admin'] });
    expect((await api.call('GET', '/api/admin/users', { token: refreshed.body.accessToken })).status).toBe(200);
    // The CLI's event reaches the running server's audit log through the database's outbox.
    await eventually(async () => {
      const activity = await read(api.audit.me.$get({ query: {} }, bearer(refreshed.body.accessToken)));
      expect(activity.body.events.map((e: { type: string }) => e.type)).toContain('user.roles_changed');
    }, 5000);

    const revoked = await admin(['revoke', account.email, 'admin']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(
      new RegExp(
        `^Revoked admin from ${account.email.replace(/[.]/g, '\\.')} \\(roles: none\\)\\. Access tokens issued before keep it until they expire`,
      ),
    );
    const again = await read(api.auth.refresh.$post({ json: { refreshToken: refreshed.body.refreshToken } }));
    expect(decodeJwt(again.body.accessToken).payload).toMatchObject({ roles: [] });
    expect((await admin(['revoke', account.email, 'admin'])).stdout).toBe(
      `${account.email} does not have the role admin already (roles: none).\n`,
    );
  });

  it('fails naming the email when no account has it', async () => {
    expect(await admin(['grant', 'nobody@example.com', 'admin'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No account has the email nobody@example.com.\n',
    });
  });

  it.each([
    ['an unknown command', ['promote', 'ada@example.com', 'admin'], ''],
    ['a missing role', ['grant', 'ada@example.com'], ''],
    ['a malformed email', ['grant', 'not-an-email', 'admin'], '"not-an-email" is not an email address.\n'],
    ['a malformed role', ['grant', 'ada@example.com', 'Admin!'], '"Admin!": Must be a role name'],
  ])('answers %s with its usage', async (_, args, detail) => {
    const { code, stderr } = await admin(args);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run admin -- grant|revoke <email> <role>');
    expect(stderr).toContain(detail);
  });
});
