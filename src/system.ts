import { Hono, type Context } from 'hono';
import { createAccessTokenVerifier, createClientIpResolver, createGatewayApp } from '../modules/gateway/mod.ts';
import type { AppEnv } from '../modules/kernel/http.ts';
import { subscribeHandlers, tracePort, type Subscription } from '../modules/kernel/mod.ts';
import { createOutboxRelay } from '../adapters/bus/outbox-relay.ts';
import { breakerState } from '../adapters/http/port-client.ts';
import { portPath } from '../adapters/http/port-path.ts';
import { createEndpointProxy } from '../adapters/http/endpoint-proxy.ts';
import { callRedis, createRedisClient } from '../adapters/redis/client.ts';
import { edgeAudience } from '../adapters/http/service-identity.ts';
import { createServiceTokenIssuer } from '../adapters/http/service-token.ts';
import { describeConfig, type Config } from '../config/mod.ts';
import { createEventBus } from './bus.ts';
import { docsEndpoints } from './docs.ts';
import { errorStatusOf } from './error-status.ts';
import { subscribeEventLog } from './event-log.ts';
import { healthPaths, healthEndpoints, type HealthCheck } from './health.ts';
import { internalEndpoints } from './internal-endpoints.ts';
import { createLogger, type Logger } from './log.ts';
import type { CallableModule, HostedModule, Infrastructure } from './modules.ts';
import { createProblemHandler } from './problem.ts';
import { createRateLimiters, type RateLimiters } from './rate-limits.ts';
import { createMetrics, metricsPath } from './metrics.ts';
import { observeRequests } from './observe.ts';
import { createRemoteModules } from './remotes.ts';
import { startRevocationFeed } from './revocation-feed.ts';
import { createServiceApp } from './service-app.ts';
import { createStorage, type Storage } from './storage.ts';
import { connectionLog, createStartup } from './startup.ts';
import type { PortApis } from './ports.ts';
import { routeGroupsOf, type PublicRouteGroup } from './public-routes.ts';
import { registerTracePropagation } from './telemetry.ts';
import { webPages } from './web.ts';

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
  const { placement } = config;
  const hosts = (module: string) => config.services.includes(module);
  const closers: Array<() => Promise<void>> = [];
  const checks: Record<string, HealthCheck> = {};
  const startup = createStartup({ logger, checks });

  // One fail-fast command client for sessions, rate limits and the bus (which adds its own
  // blocking connections), so one readiness check covers them and they recover together.
  const redisLog = connectionLog({ logger, variable: 'REDIS_URL', shownUrl: String(describeConfig(config).REDIS_URL) });
  const redis = config.redis
    ? createRedisClient({ ...config.redis, connectionName: config.serviceName, onError: redisLog.failed })
    : undefined;
  redis?.on('ready', redisLog.answered);
  if (redis) checks.redis = () => callRedis(redis, (r) => r.ping());
  const hosted: HostedModule[] = placement.modules.filter(({ descriptor }) => hosts(descriptor.name));
  const routeGroups = routeGroupsOf(placement.modules);
  const statusByCode = errorStatusOf(placement.modules);
  // Every module but the gateway keeps state: its repositories, or (auth) its keys and outbox.
  const storage: Storage | undefined = hosted.length > 0 ? await createStorage(config, { redis, startup, logger }) : undefined;
  if (storage) Object.assign(checks, storage.checks);
  const metrics = createMetrics({ service: config.serviceName });
  const bus = createEventBus(config, logger, redis, metrics.recordDeadLetter);

  // The monolith calls nothing remote; a random secret there means no token it could sign is accepted anywhere.
  const secret = config.serviceTokenSecret ?? `${crypto.randomUUID()}${crypto.randomUUID()}`;
  const serviceToken = createServiceTokenIssuer({ secret, caller: config.serviceName });
  const remote = createRemoteModules({
    remotes: config.remotes,
    ports: (module) => placement.module(module).descriptor.port,
    serviceToken,
    policy: config.remotePolicy,
    logger,
  });
  for (const [module, { check, registry }] of Object.entries(remote)) {
    checks[`remote:${module}`] = check;
    closers.push(async () => registry.close());
  }

  let rateLimiters: RateLimiters | undefined;
  const rateLimits = () => (rateLimiters ??= createRateLimiters(config, redis));

  // Each module's port as this process reaches it: built here, or a port client of where it runs.
  const ports = new Map<string, object>(Object.entries(remote).map(([module, { api }]) => [module, api]));
  const portOf = <M extends string>(module: M): M extends CallableModule ? PortApis[M] : object => {
    const port = ports.get(module);
    if (!port) throw new Error(`the ${module} module is neither hosted here nor reachable (the placement rules should have refused this)`);
    return port as M extends CallableModule ? PortApis[M] : object;
  };
  const subscriptions: Subscription[] = [];
  if (storage) {
    const infra: Infrastructure = { config, logger, storage, rateLimits, recordMail: metrics.recordMail };
    // In start-wave order (placement.ts), so each is built after the local modules it calls.
    const order = placement.startWaves().flat();
    const inCallOrder = [...hosted].sort((a, b) => order.indexOf(a.descriptor.name) - order.indexOf(b.descriptor.name));
    for (const binding of inCallOrder) {
      const { descriptor } = binding;
      const calls = Object.fromEntries(descriptor.calls.map((module) => [module, portOf(module)]));
      const deps = binding.deps(infra, calls, config.settings[descriptor.name]);
      const instance = descriptor.create(deps);
      // Every port call is a span: local ones here, remote ones in their port clients.
      const port = tracePort(descriptor.port.name, descriptor.port.spec, instance.api, { remote: false });
      ports.set(descriptor.name, port);
      // Handlers call the traced port, so their work shows under the delivery that caused it.
      if (instance.handlers) subscriptions.push(subscribeHandlers(bus.bus, descriptor.name, instance.handlers(port)));
      const task = instance.startup;
      if (task) void startup.run({ name: task.name, pending: task.pending, attempt: () => storage.opened.then(task.run) });
      const stopMaintenance = binding.maintain?.(infra, deps);
      if (stopMaintenance) closers.push(async () => stopMaintenance());
    }
  }

  const relays = (storage?.outboxes ?? []).map((outbox) =>
    createOutboxRelay({ outbox, bus: bus.bus, onError: (error) => logger.warn('outbox relay failed; will retry', { error }) }),
  );
  void storage?.opened.then(() => {
    for (const relay of relays) relay.start();
  });

  const onError = createProblemHandler({
    statusByCode,
    logError: (error, context) => logger.error('request failed', { ...context, error }),
  });
  metrics.watch({
    bus: bus.bus,
    outboxes: storage?.outboxes ?? [],
    breakers: Object.fromEntries(Object.entries(remote).map(([module, { breaker }]) => [module, () => breakerState(breaker)])),
  });
  // Auth runs in every deployment: its process counts login outcomes and logs security events, once each.
  if (hosts('auth')) subscriptions.push(metrics.subscribe(bus.bus), subscribeEventLog(bus.bus, logger));
  const operations = new Hono<AppEnv>()
    .route('/', healthEndpoints(checks))
    .route('/', metrics.endpoints)
    .route('/', docsEndpoints(routeGroups));
  // Probes, scrapes, and (split) other processes' readiness greetings.
  const greetings = config.monolith ? [] : hosted.map(({ descriptor }) => portPath(descriptor.name));
  const routine = new Set([healthPaths.live, healthPaths.ready, metricsPath, ...greetings]);
  const observe = [observeRequests({ logger, record: metrics.recordRequest, routine })];
  // Each module's public endpoints run over its port here, local or remote.
  const endpointsOf = (group: PublicRouteGroup) => group.endpoints(portOf(group.module));

  let app: Hono<AppEnv>;
  if (hosts('gateway')) {
    // A group of a module hosted elsewhere is forwarded to it, route by route.
    const mounted = (group: PublicRouteGroup) => {
      const target = remote[group.module];
      if (!target) return endpointsOf(group);
      return createEndpointProxy({
        module: group.module,
        definitions: group.definitions,
        audience: edgeAudience(group.module),
        registry: target.registry,
        serviceToken,
        breaker: target.breaker,
        timeoutMs: config.remotePolicy.timeoutMs * 2,
      });
    };
    const groups = routeGroups.map((group) => ({ path: group.path, definitions: group.definitions, app: mounted(group) }));
    const auth = portOf('auth');
    const { revocations, subscription } = startRevocationFeed({
      bus: bus.bus,
      sessions: portOf('session'),
      accessTokenTtlSeconds: config.tokens.accessTokenTtlSeconds,
      startup,
    });
    subscriptions.push(subscription);
    app = createGatewayApp({
      groups,
      operations,
      // A client of this very app (called in-process), so pages get what every API client gets.
      pages: webPages({ config, storage, redis, logger, gateway: (request, env) => app.fetch(request, env) }),
      verifyAccessToken: createAccessTokenVerifier({ jwks: () => auth.jwks(), ...config.tokens }),
      revocations,
      corsOrigins: config.corsOrigins,
      clientIp: createClientIpResolver({ peer: runtime.clientIp, trustedProxies: config.trustedProxies }),
      onError,
      rateLimits: rateLimits(),
      observe,
    });
  } else {
    app = createServiceApp({
      forwarded: routeGroups
        .filter((group) => hosts(group.module))
        .map((group) => ({ module: group.module, path: group.path, endpoints: endpointsOf(group) })),
      operations,
      secret,
      onError,
      observe,
    });
  }
  if (!config.monolith) {
    const served = hosted.map(({ descriptor }) => ({ module: descriptor.name, spec: descriptor.port.spec, impl: portOf(descriptor.name) }));
    const internalOnError = createProblemHandler({
      statusByCode,
      logError: (error, context) => logger.error('internal call failed', { ...context, error }),
      exposeDetails: true,
    });
    app.route('/', internalEndpoints({ ports: served, needs: placement.needs, secret, onError: internalOnError }));
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
