import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { createWebApp, type GatewayFetch } from '../modules/web/mod.ts';
import { createMemoryWebSessionStore } from '../adapters/memory/web-session-store.ts';
import { createRedisWebSessionStore } from '../adapters/redis/web-session-store.ts';
import { createSqlWebSessionStore } from '../adapters/sql/web-session-store.ts';
import { createEncryptedWebSessionStore } from '../adapters/webcrypto/encrypted-web-session-store.ts';
import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';
import type { SqlDatabase } from '../adapters/sql/database.ts';
import type { Storage } from './storage.ts';

/** @simplewebauthn/browser's self-contained bundle (it defines `SimpleWebAuthnBrowser`), read once. */
function webauthnBundle(): () => Promise<Uint8Array<ArrayBuffer>> {
  let loaded: Promise<Uint8Array<ArrayBuffer>> | undefined;
  return () => {
    if (!loaded) {
      // The package's main entry is script/index.js; the bundle sits beside it under dist/.
      const root = dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')));
      loaded = readFile(join(root, 'dist/bundle/index.umd.min.js')).then((buffer) => new Uint8Array(buffer));
      loaded.catch(() => (loaded = undefined));
    }
    return loaded;
  };
}

/**
 * Where browser sessions live: Redis when it is configured (every gateway instance shares them),
 * else the database (they survive a restart), else this process (DATABASE_URL=memory). A gateway
 * alone (the split) opens no database, but a split always has Redis.
 */
/** The store, and whether it keeps sessions outside this process (where being unencrypted matters). */
function storeOf(config: Config, storage: Storage | undefined, redis: Redis | undefined) {
  const inRedis = (stores: { redis: Redis; prefix: string }) => ({ store: createRedisWebSessionStore(stores), outside: true });
  const inDatabase = (stores: { db: SqlDatabase }) => ({ store: createSqlWebSessionStore(stores), outside: true });
  const inProcess = () => ({ store: createMemoryWebSessionStore(), outside: false });
  if (storage) return storage.pick({ memory: inProcess, sql: inDatabase, redis: inRedis });
  return config.redis && redis ? inRedis({ redis, prefix: config.redis.prefix }) : inProcess();
}

/** The browser sessions' store, their tokens sealed at rest with SIGNING_KEY_ENCRYPTION_KEY when it is set. */
function webSessionStore(config: Config, storage: Storage | undefined, redis: Redis | undefined, logger: Logger) {
  const { store, outside } = storeOf(config, storage, redis);
  if (!config.signingKeyEncryptionKey && outside) {
    logger.warn(
      'browser sessions’ tokens are stored unencrypted; set SIGNING_KEY_ENCRYPTION_KEY (32 bytes, base64) to encrypt them at rest',
    );
  }
  return createEncryptedWebSessionStore({ store, encryptionKey: config.signingKeyEncryptionKey });
}

/** The web app, for the process hosting the gateway. */
export function webPages({
  config,
  storage,
  redis,
  logger,
  gateway,
}: {
  config: Config;
  storage?: Storage;
  redis?: Redis;
  logger: Logger;
  gateway: GatewayFetch;
}): Hono<AppEnv> {
  const store = webSessionStore(config, storage, redis, logger);
  return createWebApp({
    api: gateway,
    store,
    publicUrl: config.publicUrl,
    sessionTtlSeconds: config.settings.session.refreshTtlSeconds,
    webauthnBundle: webauthnBundle(),
    logError: (error, context) => logger.error('page failed', { ...context, error }),
    // Its own variables (the visit) are set by its own middleware before any of its handlers runs.
  }) as unknown as Hono<AppEnv>;
}
