import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { callRedis, createRedisClient, keysStartingWith, scanKeys } from '../../adapters/redis/client.ts';
import { createRedisTotpReplayGuard } from '../../adapters/redis/totp-replay-guard.ts';
import { createRedisWebAuthnChallengeStore } from '../../adapters/redis/webauthn-challenge-store.ts';
import { testRedisUrl, uniqueName } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { describeTotpReplayGuardContract } from './totp-replay-guard.contract.ts';
import { describeWebAuthnChallengeStoreContract } from './webauthn-challenge-store.contract.ts';

// The file's own key prefix; two clients where a contract races two processes' stores, and a
// third through a TCP proxy the store-down cases cut.
const prefix = `${uniqueName('mfa_contract')}:`;
let clients: Redis[];
let proxy: TcpProxy;
let viaProxy: Redis;
beforeAll(async () => {
  clients = [createRedisClient({ url: testRedisUrl }), createRedisClient({ url: testRedisUrl })];
  for (const client of clients) await callRedis(client, (r) => r.ping());
  proxy = await startTcpProxy({ targetPort: Number(new URL(testRedisUrl).port || 6379) });
  viaProxy = createRedisClient({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 500 });
});
afterAll(async () => {
  await scanKeys(clients[0]!, keysStartingWith(prefix), async (keys) => void (await clients[0]!.del(...keys)));
  for (const client of clients ?? []) client.disconnect();
  viaProxy?.disconnect();
  await proxy?.close();
});

// commandTimeoutMs (500), the wait for a reconnect as long again, and a margin.
const outage = { cut: () => proxy.pause(), restore: () => proxy.resume(), failsWithinMs: 1500 };
let made = 0;
const nextClient = () => clients[made++ % 2]!;

describeTotpReplayGuardContract('redis', () => createRedisTotpReplayGuard({ redis: nextClient(), prefix }), {
  outage,
  make: () => createRedisTotpReplayGuard({ redis: viaProxy, prefix }),
});
describeWebAuthnChallengeStoreContract('redis', () => createRedisWebAuthnChallengeStore({ redis: nextClient(), prefix }), {
  outage,
  make: () => createRedisWebAuthnChallengeStore({ redis: viaProxy, prefix }),
});
