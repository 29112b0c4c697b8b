import type { SettingsByModule } from '../src/modules.ts';
import { placement as defaultPlacement, type Placement } from './placement.ts';
import { envSchema, envSchemaFor, type Env } from './schema.ts';

/** Config as the composition root uses it. */
export interface Config {
  port: number;
  host: string;
  /** Where people reach the system (links in mails, the web app, passkeys' relying party): PUBLIC_URL, or this process on localhost. */
  publicUrl: string;
  /** How long a client may take to send a whole request (then 408). */
  requestTimeoutMs: number;
  /** How long a stop (SIGTERM) waits for the requests in flight before it closes the stores anyway. */
  shutdownGraceMs: number;
  services: string[];
  /** The modules this system is built from, and the rules of where they may run. */
  placement: Placement;
  /** The hosted modules joined by `+`: names the process in logs, metrics and service tokens. */
  serviceName: string;
  /** True when every module runs in this process (the monolith). */
  monolith: boolean;
  /** Base URLs of each module this process calls but does not host. */
  remotes: Record<string, string[]>;
  /** Resilience of every call to a remote module (timeout, retries of idempotent calls, breaker, bulkhead). */
  remotePolicy: {
    timeoutMs: number;
    attempts: number;
    breakerThreshold: number;
    halfOpenAfterMs: number;
    bulkheadLimit: number;
    bulkheadQueue: number;
  };
  /** Signs and checks service-to-service identity tokens; set whenever the process is not the monolith. */
  serviceTokenSecret?: string;
  database:
    | { kind: 'memory' }
    | {
        kind: 'pglite';
        /** A directory, or `memory` for a database that lives as long as the process. */
        dataDir: string;
        /** Where the template that a new data directory is copied from is kept; unset: the default cache. */
        templateCache?: string;
      }
    | {
        kind: 'postgres';
        url: string;
        schema?: string;
        poolSize: number;
        statementTimeoutMs: number;
        connectTimeoutMs: number;
        queryTimeoutMs: number;
      };
  /** Sessions (and their outbox) live in Redis when set; otherwise in the SQL database. */
  redis?: { url: string; prefix: string; commandTimeoutMs: number };
  eventBus: 'memory' | 'redis';
  corsOrigins: string[];
  /**
   * Admission to password hashing (argon2): hashes running at once, and hashes waiting for them;
   * past both, a hash is refused at once (503) instead of slowing every login down.
   */
  passwordHashing: { concurrency: number; queue: number };
  /** Requests per client address per minute: on all of /api, and on /api/auth. */
  rateLimits: { apiPerMinute: number; authPerMinute: number };
  /** Peers whose X-Forwarded-For is believed (load balancers, ingress). */
  trustedProxies: string[];
  tokens: { issuer: string; audience: string; accessTokenTtlSeconds: number; keyRotationDays: number };
  /** AES-256 key for the private signing keys at rest; unset: they are stored plain. */
  signingKeyEncryptionKey?: Uint8Array;
  /** Each module's own settings (its descriptor's `settings`), by module name. */
  settings: SettingsByModule & Record<string, unknown>;
  logLevel: Env['LOG_LEVEL'];
  otlpEndpoint?: string;
  /** Which traces are recorded; the ratio applies to the `traceidratio` samplers. */
  traceSampler: { name: Env['OTEL_TRACES_SAMPLER']; ratio: number };
  /** The variables as read, for printing (secrets masked by describeConfig). */
  env: Env;
}

/** Thrown with every problem at once, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function databaseFrom(env: Env): Config['database'] {
  const url = env.DATABASE_URL;
  if (url === 'memory') return { kind: 'memory' };
  if (url.startsWith('pglite://'))
    return { kind: 'pglite', dataDir: url.slice('pglite://'.length), templateCache: env.PGLITE_TEMPLATE_CACHE };
  return {
    kind: 'postgres',
    url,
    schema: env.DATABASE_SCHEMA,
    poolSize: env.DATABASE_POOL_SIZE,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
  };
}

/** Checks placement rules that concern several variables together. */
function placementProblems(env: Env, placement: Placement): string[] {
  const problems: string[] = [];
  const split = !hostsEvery(placement, env.SERVICES);
  if (env.EVENT_BUS === 'redis' && !env.REDIS_URL) problems.push('EVENT_BUS: "redis" requires REDIS_URL');
  if (split && env.EVENT_BUS !== 'redis') {
    problems.push('EVENT_BUS: must be "redis" when SERVICES is not "all" (events cross processes)');
  }
  if (split && !env.SERVICE_TOKEN_SECRET) {
    problems.push('SERVICE_TOKEN_SECRET: required when SERVICES is not "all" (it signs calls between services)');
  }
  for (const module of placement.remoteModules(env.SERVICES)) {
    const variable = placement.urlVariable(module);
    if (!(env as Record<string, unknown>)[variable])
      problems.push(`${variable}: required, since SERVICES=${env.SERVICES.join(',')} calls the ${module} module it does not host`);
  }
  if (env.DATABASE_SCHEMA && !/^postgres/.test(env.DATABASE_URL)) problems.push('DATABASE_SCHEMA: applies to postgres:// databases only');
  if (env.PGLITE_TEMPLATE_CACHE && !env.DATABASE_URL.startsWith('pglite://')) {
    problems.push('PGLITE_TEMPLATE_CACHE: applies to pglite:// databases only');
  }
  return problems;
}

const hostsEvery = (placement: Placement, services: readonly string[]) => placement.names.every((module) => services.includes(module));

/**
 * Reads config from environment variables. Pure: throws ConfigError listing every problem.
 * `placement` is the system's modules (a test may add one).
 */
export function loadConfig(source: Record<string, string | undefined>, placement: Placement = defaultPlacement): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const schema = placement === defaultPlacement ? envSchema : envSchemaFor(placement);
  const parsed = schema.safeParse(blanksRemoved);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const env = parsed.data;
  const problems = placementProblems(env, placement);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: env.PORT,
    host: env.HOST,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    services: env.SERVICES,
    placement,
    serviceName: env.SERVICES.join('+'),
    monolith: hostsEvery(placement, env.SERVICES),
    remotes: Object.fromEntries(
      placement.remoteModules(env.SERVICES).map((m) => [m, (env as Record<string, unknown>)[placement.urlVariable(m)] as string[]]),
    ),
    serviceTokenSecret: env.SERVICE_TOKEN_SECRET,
    remotePolicy: {
      timeoutMs: env.REMOTE_TIMEOUT_MS,
      attempts: env.REMOTE_ATTEMPTS,
      breakerThreshold: env.REMOTE_BREAKER_THRESHOLD,
      halfOpenAfterMs: env.REMOTE_BREAKER_HALF_OPEN_MS,
      bulkheadLimit: env.REMOTE_BULKHEAD_LIMIT,
      bulkheadQueue: env.REMOTE_BULKHEAD_QUEUE,
    },
    database: databaseFrom(env),
    redis: env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX, commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS } : undefined,
    eventBus: env.EVENT_BUS,
    corsOrigins: env.CORS_ORIGINS,
    trustedProxies: env.TRUSTED_PROXIES,
    passwordHashing: { concurrency: env.PASSWORD_HASH_CONCURRENCY, queue: env.PASSWORD_HASH_QUEUE },
    rateLimits: { apiPerMinute: env.RATE_LIMIT_API_PER_MINUTE, authPerMinute: env.RATE_LIMIT_AUTH_PER_MINUTE },
    tokens: {
      issuer: env.TOKEN_ISSUER,
      audience: env.TOKEN_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      keyRotationDays: env.SIGNING_KEY_ROTATION_DAYS,
    },
    signingKeyEncryptionKey: env.SIGNING_KEY_ENCRYPTION_KEY
      ? Uint8Array.from(atob(env.SIGNING_KEY_ENCRYPTION_KEY), (c) => c.charCodeAt(0))
      : undefined,
    settings: Object.fromEntries(
      placement.modules.map(({ descriptor }) => [descriptor.name, descriptor.settings?.from(env)]),
    ) as Config['settings'],
    logLevel: env.LOG_LEVEL,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    traceSampler: { name: env.OTEL_TRACES_SAMPLER, ratio: env.OTEL_TRACES_SAMPLER_ARG },
    env,
  };
}

const secretKeys = new Set(['SERVICE_TOKEN_SECRET', 'SIGNING_KEY_ENCRYPTION_KEY']);

/** A URL with its credentials masked: the user info, and query parameters such as `?password=` or `?sslkey=`. */
function maskUrlCredentials(value: string): string {
  // Everything up to the last `@`, parsed or not: a password may hold `/`, `?` or `#` (which can
  // make it look like a port and a path), and masking too much is safe.
  const masked = value.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, '$1****@');
  if (!URL.canParse(masked)) return masked;
  const url = new URL(masked);
  const secretParams = [...url.searchParams.keys()].filter((name) => /pass|secret|token|key/i.test(name));
  if (secretParams.length === 0) return masked;
  for (const name of secretParams) url.searchParams.set(name, '****');
  return url.href;
}

/** One line per variable, secrets masked and credentials stripped from URLs, for the start-up log. */
export function describeConfig(config: Pick<Config, 'env'>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config.env).map(([key, value]) => {
      if (secretKeys.has(key)) return [key, value ? '****' : undefined];
      return [key, typeof value === 'string' ? maskUrlCredentials(value) : value];
    }),
  );
}
