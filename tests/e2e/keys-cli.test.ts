import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';

const run = promisify(execFile);
const schema = uniqueName('keys_cli');
afterAll(() => dropTestStores([schema]));

/** `npm run keys -- <args>` as an operator runs it, from its sources rather than dist/, on this file's own schema. */
async function keys(args: string[], env: Record<string, string> = {}) {
  const result = await run('node_modules/.bin/tsx', ['src/keys-cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
  return { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr };
}

const withKey = { SIGNING_KEY_ENCRYPTION_KEY: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))) };

describe('npm run keys', () => {
  it('list of a new database says there is no key yet; rotate creates the first one, signing at once', async () => {
    expect(await keys(['list'], withKey)).toEqual({
      code: 0,
      stdout: 'No signing keys yet: the first auth process to start creates one.\n',
      stderr: '',
    });
    const { code, stdout } = await keys(['rotate'], withKey);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Created the first signing key \S{43}; it signs from now.\n\S{43} {2}active {2}signs from \S+Z\n$/);
  });

  it('rotate publishes one next key, shown with the time it starts signing, and lists no private material; again, it says one is waiting', async () => {
    const first = await keys(['rotate'], withKey);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Published (\S+); it signs from \S+ \(in 12 minutes/);
    expect(first.stdout).not.toMatch(/"d"|ciphertext/);
    const kid = /^Published (\S+);/.exec(first.stdout)![1];
    const listed = (await keys(['list'], withKey)).stdout.trim().split('\n');
    expect(listed.map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      [kid, 'next'],
      [expect.any(String), 'active'],
    ]);

    const again = await keys(['rotate'], withKey);
    expect(again.stdout).toMatch(new RegExp(`^A next key is published already: ${kid} signs from`));
    expect(again.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('fails with a message naming SIGNING_KEY_ENCRYPTION_KEY when it is not the key the store was encrypted with', async () => {
    const other = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const { code, stderr, stdout } = await keys(['list'], { SIGNING_KEY_ENCRYPTION_KEY: other });
    expect(code).toBe(1);
    expect(stderr).toMatch(/SIGNING_KEY_ENCRYPTION_KEY does not decrypt signing key/);
    expect(stdout).toBe('');
  });

  it('answers an unknown command with its usage', async () => {
    const { code, stderr } = await keys(['spin']);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run keys -- list | rotate');
  });
});
