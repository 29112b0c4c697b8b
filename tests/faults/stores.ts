import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';
import { testDatabaseUrl } from '../support/services.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import type { Fault } from './faults.ts';

/**
 * The stores a fault suite breaks: a Redis of its own (stalled with SIGSTOP, killed and restarted;
 * durable, as a Redis holding sessions must be) and the test Postgres behind a proxy that stops it
 * as the network sees a stop: every connection reset, new ones refused, until it starts again.
 */
export interface BreakableStores {
  redis: OwnRedis;
  postgres: TcpProxy;
  /** DATABASE_URL and REDIS_URL for the system under test. */
  env: { DATABASE_URL: string; REDIS_URL: string };
  close(): Promise<void>;
}

export async function startBreakableStores(): Promise<BreakableStores> {
  const redis = await startOwnRedis({ durable: true });
  const url = new URL(testDatabaseUrl);
  const postgres = await startTcpProxy({ targetHost: url.hostname, targetPort: Number(url.port || 5432) }).catch(async (error) => {
    await redis.stop();
    throw error;
  });
  url.host = `127.0.0.1:${postgres.port}`;
  return {
    redis,
    postgres,
    env: { DATABASE_URL: url.toString(), REDIS_URL: redis.url },
    close: async () => void (await Promise.all([redis.stop(), postgres.close()])),
  };
}

// Each fault may lose the answers of requests in flight when it strikes: a stopped Redis may have
// run a command and not yet replied (it replies after its fsync); a killed one may have run it and
// never reply; a COMMIT Postgres had read when its connection was reset still commits.
export const redisStall = ({ redis }: BreakableStores, name = 'Redis SIGSTOP 1.5 s'): Fault => ({
  name,
  inject: redis.pause,
  outageMs: 1500,
  repair: redis.resume,
  losesAnswers: true,
});
export const redisCrash = ({ redis }: BreakableStores): Fault => ({
  name: 'Redis SIGKILL, restart after 1 s',
  inject: redis.crash,
  outageMs: 1000,
  repair: redis.restart,
  losesAnswers: true,
});
export const postgresStop = ({ postgres }: BreakableStores): Fault => ({
  name: 'Postgres stopped 1.5 s',
  inject: postgres.pause,
  outageMs: 1500,
  repair: postgres.resume,
  losesAnswers: true,
});
