import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Hono } from 'hono';
import type { AppEnv } from '../modules/kernel/http.ts';
import { createWebApp, type GatewayFetch } from '../modules/web/mod.ts';
import { createMemoryWebSessionStore } from '../adapters/memory/web-session-store.ts';
import { createRedisWebSessionStore } from '../adapters/redis/web-session-store.ts';
import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';

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
 * The web app, for the process hosting the gateway. Browser sessions live in Redis when it is
 * configured (every gateway instance shares them), else in this process.
 */
export function webPages({
  config,
  redis,
  logger,
  gateway,
}: {
  config: Config;
  redis?: Redis;
  logger: Logger;
  gateway: GatewayFetch;
}): Hono<AppEnv> {
  const store = config.redis && redis ? createRedisWebSessionStore({ redis, prefix: config.redis.prefix }) : createMemoryWebSessionStore();
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
