// Login latency with a TOTP second factor (password → 202 → code → 200) beside a password-only
// login, one at a time against a running server, the two taking turns in rounds. Used by
// `npm run bench`; alone (a compiled server on this machine's Postgres and Redis):
//   npx tsx bench/login-mfa.ts
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { totpCodeAt } from '../modules/mfa/mod.ts';
import { quantile } from './http-load.ts';

const password = 'a sturdy passphrase 42';

async function post(base: string, path: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

async function expectOk(pending: ReturnType<typeof post>, status = 200) {
  const res = await pending;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * An account with TOTP enabled. Each TOTP step is accepted once per account (the replay guard),
 * and enrolment spent the current one: each account gives one login, with the next step's code
 * (±1 step is accepted).
 */
async function enrolled(base: string, email: string) {
  await expectOk(post(base, '/api/auth/register', { email, password }), 201);
  const { accessToken } = (await expectOk(post(base, '/api/auth/login', { email, password }))) as { accessToken: string };
  const { secret } = (await expectOk(post(base, '/api/users/me/mfa/totp', { password }, accessToken))) as { secret: string };
  await expectOk(post(base, '/api/users/me/mfa/totp/confirm', { code: totpCodeAt(secret, new Date()) }, accessToken));
  return { email, secret };
}

export interface LoginLatencies {
  password: number[];
  totp: number[];
}

/** `samples` logins of each kind per round, sequential, in `rounds` rounds taking turns; milliseconds of each whole login. */
export async function benchLoginWithTotp(base: string, { samples = 40, rounds = 2, tag = crypto.randomUUID().slice(0, 8) } = {}) {
  const plain = `bench-login-plain-${tag}@example.com`;
  await expectOk(post(base, '/api/auth/register', { email: plain, password }), 201);
  const accounts = [];
  for (let i = 0; i < samples * rounds; i++) accounts.push(await enrolled(base, `bench-login-totp-${i}-${tag}@example.com`));

  const out: LoginLatencies = { password: [], totp: [] };
  const passwordLogin = async () => {
    const started = performance.now();
    await expectOk(post(base, '/api/auth/login', { email: plain, password }));
    out.password.push(performance.now() - started);
  };
  const totpLogin = async (account: { email: string; secret: string }) => {
    const code = totpCodeAt(account.secret, new Date(Date.now() + 30_000)); // made before the clock starts: a client's app shows it
    const started = performance.now();
    const { mfaToken } = (await expectOk(post(base, '/api/auth/login', { email: account.email, password }), 202)) as { mfaToken: string };
    await expectOk(post(base, '/api/auth/mfa/verify', { mfaToken, method: 'totp', code }));
    out.totp.push(performance.now() - started);
  };
  for (let round = 0; round < rounds; round++) {
    const batch = accounts.slice(round * samples, (round + 1) * samples);
    const kinds = [
      async () => {
        for (let i = 0; i < samples; i++) await passwordLogin();
      },
      async () => {
        for (const a of batch) await totpLogin(a);
      },
    ];
    for (const run of round % 2 ? kinds.reverse() : kinds) await run();
  }
  return out;
}

/** p50 and p99 of latencies, in ms. */
export const percentiles = (latencies: number[]) => ({ p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const { startProcess } = await import('../tests/e2e/process.ts');
  const { dropTestStores, testDatabaseUrl, testRedisUrl, uniqueName } = await import('../tests/support/services.ts');
  const { benchEnv } = await import('./measure.ts');
  const schema = uniqueName('bench_mfa');
  const server = await startProcess('compiled', {
    DATABASE_URL: testDatabaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `${schema}:`,
    ...benchEnv,
  });
  try {
    const { password: plain, totp } = await benchLoginWithTotp(server.url, { samples: Number(process.argv[2] ?? 40) });
    const show = (name: string, values: number[]) => {
      const { p50, p99 } = percentiles(values);
      console.log(`${name}: ${values.length} logins, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    };
    show('password only', plain);
    show('password + TOTP', totp);
  } finally {
    await server.stop();
    await dropTestStores([schema]);
  }
}
