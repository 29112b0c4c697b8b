import { Hono, type Context } from 'hono';
import { createAuditService, subscribeAuditHandlers, type AuditApi } from '../modules/audit/mod.ts';
import { createAuthService, createPasswordThrottle, type AuthApi } from '../modules/auth/mod.ts';
import { createAccessTokenVerifier, createClientIpResolver, createGatewayApp, type GatewayRoutes } from '../modules/gateway/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import type { Subscription } from '../modules/kernel/mod.ts';
import { createSessionService, subscribeSessionHandlers, type SessionApi } from '../modules/session/mod.ts';
import { createUserService, type UserApi } from '../modules/user/mod.ts';
import { createArgon2PasswordHasher } from '../adapters/argon2/password-hasher.ts';
import { createOutboxRelay } from '../adapters/bus/outbox-relay.ts';
import { breakerState } from '../adapters/http/port-client.ts';
import { portPath } from '../adapters/http/port-path.ts';
import { createRouteProxy } from '../adapters/http/route-proxy.ts';
import { callRedis, createRedisClient } from '../adapters/redis/client.ts';
import { edgeAudience } from '../adapters/http/service-identity.ts';
import { createServiceTokenIssuer } from '../adapters/http/service-token.ts';
import { createCommonPasswordList } from '../adapters/zxcvbn/common-password-list.ts';
import { describeConfig, type Config } from '../config/mod.ts';
import type { CallableModule } from '../config/placement.ts';
import { createEventBus } from './bus.ts';
import { docsRoutes } from './docs.ts';
import { errorStatusByCode } from './error-status.ts';
import { subscribeEventLog } from './event-log.ts';
import { healthPaths, healthRoutes, type HealthCheck } from './health.ts';
import { internalRoutes, type HostedPort } from './internal-routes.ts';
import { createLogger, type Logger } from './log.ts';
import { startMaintenance } from './maintenance.ts';
import { createProblemHandler } from './problem.ts';
import { createRateLimiters } from './rate-limits.ts';
import { createMetrics, metricsPath } from './metrics.ts';
import { observeRequests } from './observe.ts';
import { createRemoteModules } from './remotes.ts';
import { startRevocationFeed } from './revocation-feed.ts';
import { createServiceApp } from './service-app.ts';
import { signingKeyStore } from './signing-keys.ts';
import { createStorage, type Storage } from './storage.ts';
import { connectionLog, createStartup } from './startup.ts';
import { ports, traced, type PortApis } from './ports.ts';
import { publicRouteGroups, type PublicRouteGroup } from './public-routes.ts';
import { registerTracePropagation } from './telemetry.ts';

export interface Runtime {
  /** The peer address of the request, as the runtime's server reports it. */
  clientIp: (c: Context) => string | undefined;
  logger?: Logger;
}

export interface System {
  app: Hono<AppEnv>;
  /**
   * Resolves once every start-up task (database, signing key, revocations) has succeeded; rejects
   * with StartupError when one meets a failure no retry fixes (a misconfiguration).
   */
  started: Promise<void>;
  close(): Promise<void>;
}

const stateful: readonly CallableModule[] = ['auth', 'user', 'session', 'audit'];

/** The system once it has started (see startSystem), for tests and benchmarks; closed again if it cannot start. */
export async function createSystem(config: Config, runtime: Runtime): Promise<System> {
  const system = await startSystem(config, runtime);
  try {
    await system.started;
  } catch (error) {
    await system.close();
    throw error;
  }
  return system;
}

/**
 * The composition root: the only place that reads placement. Hosted modules get their adapters;
 * modules hosted elsewhere become HTTP port clients; a module cannot tell which it talks to.
 * Resolves as soon as the app can answer, so the process listens (and is live) while what it
 * needs from peers is still set up in the background, retried until it answers (`started`).
 */
export async function startSystem(config: Config, runtime: Runtime): Promise<System> {
  registerTracePropagation();
  const logger = runtime.logger ?? createLogger({ level: config.logLevel, service: config.serviceName });
  const hosts = (module: string) => (config.services as string[]).includes(module);
  const closers: Array<() => Promise<void>> = [];
  const checks: Record<string, HealthCheck> = {};
  const startup = createStartup({ logger, checks });

  // One fail-fast command client for sessions, rate limits and the bus (which adds its own
  // blocking connections), so one readiness check covers them and they recover together.
  const redisLog = connectionLog({ logger, variable: 'REDIS_URL', shownUrl: String(describeConfig(config).REDIS_URL) });
  const redis = config.redis ? createRedisClient({ ...config.redis, connectionName: config.serviceName, onError: redisLog.failed }) : undefined;
  redis?.on('ready', redisLog.answered);
  if (redis) checks.redis = () => callRedis(redis, (r) => r.ping());
  const storage: Storage | undefined = stateful.some(hosts) ? await createStorage(config, { redis, startup }) : undefined;
  if (storage) Object.assign(checks, storage.checks);
  const bus = createEventBus(config, logger, redis);

  // The monolith calls nothing remote; a random secret there means no token it could sign is accepted anywhere.
  const secret = config.serviceTokenSecret ?? `${crypto.randomUUID()}${crypto.randomUUID()}`;
  const serviceToken = createServiceTokenIssuer({ secret, caller: config.serviceName });
  const remote = createRemoteModules({ remotes: config.remotes, serviceToken, policy: config.remotePolicy, logger });
  for (const [module, { check, registry }] of Object.entries(remote)) {
    checks[`remote:${module}`] = check;
    closers.push(async () => registry.close());
  }

  const rateLimits = hosts('gateway') || hosts('user') ? createRateLimiters(config, redis) : undefined;
  // Logins and password re-checks (both in the user module) count against one per-account throttle.
  const passwordThrottle =
    rateLimits &&
    createPasswordThrottle({
      store: rateLimits.passwords,
      onReleaseFailed: (error) => logger.warn('password check slot not released; freed once the store answers again, or by itself within 5 s', { error }),
    });
  const local = {
    user: hosts('user')
      ? createUserService({
          users: storage!.users,
          hasher: createArgon2PasswordHasher({ admission: config.passwordHashing }),
          commonPasswords: createCommonPasswordList(),
          throttle: passwordThrottle,
        })
      : undefined,
    session: hosts('session')
      ? createSessionService({
          sessions: storage!.sessions,
          refreshTtlSeconds: config.refreshTokenTtlSeconds,
          maxAgeSeconds: config.sessionMaxAgeSeconds,
          reuseGraceSeconds: config.refreshReuseGraceSeconds,
        })
      : undefined,
    audit: hosts('audit') ? createAuditService({ entries: storage!.audit }) : undefined,
  };
  // Every port call is a span: local ones here, remote ones in their port clients.
  const users: UserApi | undefined = local.user ? traced('user', local.user, 'local') : remote.user?.api;
  const sessions: SessionApi | undefined = local.session ? traced('session', local.session, 'local') : remote.session?.api;
  const auth: AuthApi | undefined = hosts('auth')
    ? traced('auth', createAuthService({
        users: users!,
        sessions: sessions!,
        keys: signingKeyStore(config, storage!.signingKeys, logger),
        outbox: storage!.outbox,
        tokens: config.tokens,
      }), 'local')
    : remote.auth?.api;
  const audit: AuditApi | undefined = local.audit ? traced('audit', local.audit, 'local') : remote.audit?.api;

  const subscriptions: Subscription[] = [];
  // Handlers call the traced port, so their work shows under the delivery that caused it.
  if (local.session) subscriptions.push(subscribeSessionHandlers(bus.bus, sessions!));
  if (local.audit) subscriptions.push(subscribeAuditHandlers(bus.bus, local.audit));

  const relays = (storage?.outboxes ?? []).map((outbox) =>
    createOutboxRelay({ outbox, bus: bus.bus, onError: (error) => logger.warn('outbox relay failed; will retry', { error }) }),
  );
  void storage?.opened.then(() => relays.forEach((relay) => relay.start()));
  // Redis session keys expire by themselves; SQL rows need the sweep.
  if (storage && local.session && !config.redis) {
    const stopMaintenance = startMaintenance({ sessions: storage.sessions, logger });
    closers.push(async () => stopMaintenance());
  }
  // Creates the signing key on first start, not on the first login.
  if (hosts('auth')) {
    void startup.run({
      name: 'signing-key',
      pending: 'the signing key is not loaded yet',
      async attempt() {
        await storage!.opened;
        await auth!.jwks();
      },
    });
  }

  const onError = createProblemHandler({
    statusByCode: errorStatusByCode,
    logError: (error, context) => logger.error('request failed', { ...context, error }),
  });
  const metrics = createMetrics({ service: config.serviceName });
  metrics.watch({
    bus: bus.bus,
    outboxes: storage?.outboxes ?? [],
    breakers: Object.fromEntries(Object.entries(remote).map(([module, { breaker }]) => [module, () => breakerState(breaker)])),
  });
  // Auth runs in every deployment: its process counts login outcomes and logs security events, once each.
  if (hosts('auth')) subscriptions.push(metrics.subscribe(bus.bus), subscribeEventLog(bus.bus, logger));
  const operations = new Hono<AppEnv>().route('/', healthRoutes(checks)).route('/', metrics.routes).route('/', docsRoutes());
  // Probes, scrapes, and (split) other processes' readiness greetings.
  const greetings = config.monolith ? [] : stateful.filter(hosts).map(portPath);
  const routine = new Set([healthPaths.live, healthPaths.ready, metricsPath, ...greetings]);
  const observe = [observeRequests({ logger, record: metrics.recordRequest, routine })];
  // Each module's public routes run over its port here, local or remote.
  const apis: { [M in CallableModule]?: PortApis[M] } = { auth, user: users, session: sessions, audit };
  const routesOf = (group: PublicRouteGroup) => group.routes(apis[group.module]!);

  let app: Hono<AppEnv>;
  if (hosts('gateway')) {
    // A group of a module hosted elsewhere is forwarded to it, route by route.
    const routeFor = (group: PublicRouteGroup) => {
      const target = remote[group.module];
      if (!target) return routesOf(group);
      return createRouteProxy({
        module: group.module,
        routes: group.definitions,
        audience: edgeAudience(group.module),
        registry: target.registry,
        serviceToken,
        breaker: target.breaker,
        timeoutMs: config.remotePolicy.timeoutMs * 2,
      });
    };
    const routes = { ...Object.fromEntries(publicRouteGroups.map((group) => [group.group, routeFor(group)])), operations } as GatewayRoutes;
    const { revocations, subscription } = startRevocationFeed({ bus: bus.bus, sessions: sessions!, accessTokenTtlSeconds: config.tokens.accessTokenTtlSeconds, startup });
    subscriptions.push(subscription);
    app = createGatewayApp({
      routes,
      verifyAccessToken: createAccessTokenVerifier({ jwks: () => auth!.jwks(), ...config.tokens }),
      revocations,
      corsOrigins: config.corsOrigins,
      clientIp: createClientIpResolver({ peer: runtime.clientIp, trustedProxies: config.trustedProxies }),
      onError,
      rateLimits: rateLimits!,
      observe,
    });
  } else {
    app = createServiceApp({
      forwarded: publicRouteGroups.filter((group) => hosts(group.module)).map((group) => ({ ...group, routes: routesOf(group) })),
      operations,
      secret,
      onError,
      observe,
    });
  }
  if (!config.monolith) {
    const hosted: HostedPort[] = [];
    if (local.user) hosted.push({ module: 'user', spec: ports.user.spec, impl: users! });
    if (local.session) hosted.push({ module: 'session', spec: ports.session.spec, impl: sessions! });
    if (hosts('auth')) hosted.push({ module: 'auth', spec: ports.auth.spec, impl: auth! });
    if (local.audit) hosted.push({ module: 'audit', spec: ports.audit.spec, impl: audit! });
    const internalOnError = createProblemHandler({ statusByCode: errorStatusByCode, logError: (error, context) => logger.error('internal call failed', { ...context, error }), exposeDetails: true });
    app.route('/', internalRoutes({ ports: hosted, secret, onError: internalOnError }));
  }

  return {
    app,
    started: startup.started(),
    async close() {
      startup.close();
      for (const close of closers) await close();
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(subscriptions.map((s) => s.close()));
      await bus.close();
      await storage?.close();
      redis?.disconnect();
    },
  };
}
