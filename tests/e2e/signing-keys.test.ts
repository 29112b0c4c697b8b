import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestStores, testDatabaseUrl, uniqueName } from '../support/services.ts';
import { bearer, createClient, decodeJwt } from './client.ts';
import { monolith } from './harness.ts';

const schema = uniqueName('e2e_keys');
const env = { DATABASE_URL: testDatabaseUrl, DATABASE_SCHEMA: schema, SIGNING_KEY_ENCRYPTION_KEY: btoa('k'.repeat(32)) };
const start = monolith(env);
afterAll(() => dropTestStores([schema]));

const rotate = () =>
  promisify(execFile)('node_modules/.bin/tsx', ['src/keys-cli.ts', 'rotate'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });

describe('signing-key rotation over HTTP', () => {
  it('after `npm run keys -- rotate` the JWKS (cacheable 5 min) lists the next key beside the active one, and tokens signed before keep working', async () => {
    const before = await start();
    let api = createClient(before);
    const session = await api.signedUp();
    const active = decodeJwt(session.accessToken).header.kid;
    await before.close();

    const { stdout } = await rotate();
    const next = /^Published (\S+);/.exec(stdout)![1];

    const after = await start();
    try {
      api = createClient(after);
      const res = await after.request('/.well-known/jwks.json');
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
      expect(((await res.json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)).toEqual([next, active]);
      // A gateway that never saw the old key verifies the token it signed; new tokens still use
      // it, since the next key signs only once every cache has had time to learn it.
      expect((await api.users.me.$get({}, bearer(session.accessToken))).status).toBe(200);
      expect(decodeJwt((await api.login(session.email)).accessToken).header.kid).toBe(active);
    } finally {
      await after.close();
    }
  });
});
