// `npm run bench`: hashing cost and in-process latency of the hot paths, on this machine.
import { createArgon2PasswordHasher } from '../adapters/argon2/password-hasher.ts';
import { benchSystem, expectStatus, jsonPost, measure, type Stats } from './measure.ts';

const concurrentLogins = 8;

async function http(database: string): Promise<Stats[]> {
  const system = await benchSystem(database);
  const password = 'a sturdy passphrase 42';
  // One account per concurrent client: an account's password is checked once at a time.
  const emails = Array.from({ length: concurrentLogins }, (_, i) => `bench-${Date.now()}-${i}@example.com`);
  for (const email of emails) await expectStatus(system.app.request('/api/auth/register', jsonPost({ email, password })), 201);
  const idle = [...emails];
  const login = async () => {
    const email = idle.pop()!;
    try {
      return (await (await expectStatus(system.app.request('/api/auth/login', jsonPost({ email, password })), 200)).json()) as {
        accessToken: string;
        refreshToken: string;
      };
    } finally {
      idle.push(email);
    }
  };
  const { accessToken } = await login();
  const auth = { headers: { Authorization: `Bearer ${accessToken}` } };
  let refreshToken = (await login()).refreshToken;
  const results = [
    await measure(`${database}: GET /health/live`, 5000, () => expectStatus(system.app.request('/health/live'), 200)),
    await measure(`${database}: GET /api/users/me (authenticated)`, 5000, () =>
      expectStatus(system.app.request('/api/users/me', auth), 200),
    ),
    await measure(`${database}: POST /api/auth/refresh`, 1000, async () => {
      const res = await expectStatus(system.app.request('/api/auth/refresh', jsonPost({ refreshToken })), 200);
      refreshToken = ((await res.json()) as { refreshToken: string }).refreshToken;
    }),
    await measure(`${database}: POST /api/auth/login`, 200, login),
    await measure(`${database}: POST /api/auth/login, ${concurrentLogins} concurrent`, 200, login, concurrentLogins),
  ];
  await system.close();
  return results;
}

const hasher = createArgon2PasswordHasher();
const results: Stats[] = [
  await measure('argon2id hash (m=19456, t=2, p=1)', 100, () => hasher.hash('a sturdy passphrase 42')),
  await measure('argon2id hash, 8 concurrent', 100, () => hasher.hash('a sturdy passphrase 42'), 8),
  ...(await http('memory')),
  ...(await http('pglite://memory')),
];
console.table(results);
