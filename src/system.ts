import type { Context, Hono } from 'hono';
import { auditRoutes, createAuditService, subscribeAuditHandlers } from '../modules/audit/mod.ts';
import { authRoutes, createAuthService, jwksRoutes } from '../modules/auth/mod.ts';
import {
  createAccessTokenVerifier,
  createGatewayApp,
  createRevocationSet,
  subscribeRevocations,
} from '../modules/gateway/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { Subscription } from '../modules/kernel/mod.ts';
import { createSessionService, sessionRoutes, subscribeSessionHandlers } from '../modules/session/mod.ts';
import { createUserService, userRoutes } from '../modules/user/mod.ts';
import { createArgon2PasswordHasher } from '../adapters/argon2/password-hasher.ts';
import { createMemoryEventBus } from '../adapters/bus/memory-bus.ts';
import { createOutboxRelay } from '../adapters/bus/outbox-relay.ts';
import { createCommonPasswordList } from '../adapters/zxcvbn/common-password-list.ts';
import type { Config } from '../config/mod.ts';
import { healthRoutes } from './health.ts';
import { createLogger, type Logger } from './log.ts';
import { startMaintenance } from './maintenance.ts';
import { errorStatusByCode } from './error-status.ts';
import { createProblemHandler } from './problem.ts';
import { createStorage } from './storage.ts';

export interface Runtime {
  /** The peer address of the request, as the runtime's server reports it. */
  clientIp: (c: Context) => string | undefined;
  logger?: Logger;
}

export interface System {
  app: Hono<AppEnv>;
  /** Publishes every pending outbox row and waits for subscribers to be handed them (tests). */
  flushEvents(): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: turns config into adapters, modules and the gateway. */
export async function createSystem(config: Config, runtime: Runtime): Promise<System> {
  const logger = runtime.logger ?? createLogger({ level: config.logLevel, service: 'auth-system' });
  const storage = await createStorage(config);
  const bus = createMemoryEventBus({
    onDeadLetter: (letter) => logger.error('event dead-lettered', { group: letter.group, type: letter.event.type, eventId: letter.event.id, reason: letter.error }),
  });

  const users = createUserService({ users: storage.users, hasher: createArgon2PasswordHasher(), commonPasswords: createCommonPasswordList() });
  const sessions = createSessionService({
    sessions: storage.sessions,
    refreshTtlSeconds: config.refreshTokenTtlSeconds,
    reuseGraceSeconds: config.refreshReuseGraceSeconds,
  });
  const auth = createAuthService({ users, sessions, keys: storage.signingKeys, outbox: storage.outbox, tokens: config.tokens });
  const audit = createAuditService({ entries: storage.audit });

  const relays = storage.outboxes.map((outbox) =>
    createOutboxRelay({ outbox, bus, onError: (error) => logger.warn('outbox relay failed; will retry', { error }) }),
  );
  const revocations = createRevocationSet({ retainMs: config.tokens.accessTokenTtlSeconds * 1000 });
  const subscriptions: Subscription[] = [
    subscribeSessionHandlers(bus, sessions),
    subscribeAuditHandlers(bus, audit),
    subscribeRevocations(bus, revocations, crypto.randomUUID()),
  ];
  const since = new Date(Date.now() - config.tokens.accessTokenTtlSeconds * 1000).toISOString();
  (await sessions.listRevokedSince(since)).forEach((id) => revocations.add(id));
  relays.forEach((relay) => relay.start());
  const stopMaintenance = startMaintenance({ sessions: storage.sessions, logger });
  await auth.jwks(); // creates the signing key on first start, not on the first login

  const app = createGatewayApp({
    routes: {
      auth: authRoutes(auth),
      users: userRoutes(users),
      sessions: sessionRoutes(sessions),
      audit: auditRoutes(audit),
      wellKnown: jwksRoutes(auth),
      operations: healthRoutes(storage.checks),
    },
    verifyAccessToken: createAccessTokenVerifier({ jwks: () => auth.jwks(), ...config.tokens }),
    revocations,
    corsOrigins: config.corsOrigins,
    clientIp: runtime.clientIp,
    onError: createProblemHandler({
      statusByCode: errorStatusByCode,
      logError: (error, context) => logger.error('request failed', { ...context, error }),
    }),
  });

  return {
    app,
    async flushEvents() {
      await Promise.all(relays.map((relay) => relay.flush()));
    },
    async close() {
      stopMaintenance();
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(subscriptions.map((s) => s.close()));
      await bus.close();
      await storage.close();
    },
  };
}
