import { envSchema, type Env, type ModuleName } from './schema.ts';

/** Config as the composition root uses it. */
export interface Config {
  port: number;
  host: string;
  services: ModuleName[];
  database: { kind: 'memory' } | { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  redisUrl?: string;
  eventBus: 'memory' | 'redis';
  corsOrigins: string[];
  tokens: { issuer: string; audience: string; accessTokenTtlSeconds: number };
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  logLevel: Env['LOG_LEVEL'];
  otlpEndpoint?: string;
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

function databaseFrom(url: string): Config['database'] {
  if (url === 'memory') return { kind: 'memory' };
  if (url.startsWith('pglite://')) return { kind: 'pglite', dataDir: url.slice('pglite://'.length) };
  return { kind: 'postgres', url };
}

/** Checks placement rules that concern several variables together. */
function placementProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.EVENT_BUS === 'redis' && !env.REDIS_URL) problems.push('EVENT_BUS: "redis" requires REDIS_URL');
  if (env.SERVICES.length !== 5) problems.push('SERVICES: only "all" is supported in this release (split placement comes with the remote adapters)');
  if (env.EVENT_BUS === 'redis' || env.REDIS_URL) problems.push('REDIS_URL / EVENT_BUS: the Redis adapters are not in this release yet; unset REDIS_URL and use EVENT_BUS=memory');
  if (databaseFrom(env.DATABASE_URL).kind === 'postgres') problems.push('DATABASE_URL: postgres:// is not in this release yet; use pglite://<dir> or memory');
  return problems;
}

/** Reads config from environment variables. Pure: throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const env = parsed.data;
  const problems = placementProblems(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: env.PORT,
    host: env.HOST,
    services: env.SERVICES,
    database: databaseFrom(env.DATABASE_URL),
    redisUrl: env.REDIS_URL,
    eventBus: env.EVENT_BUS,
    corsOrigins: env.CORS_ORIGINS,
    tokens: { issuer: env.TOKEN_ISSUER, audience: env.TOKEN_AUDIENCE, accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS },
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
    logLevel: env.LOG_LEVEL,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    env,
  };
}

const secretKeys = new Set(['SERVICE_TOKEN_SECRET']);

/** One line per variable, secrets masked and credentials stripped from URLs, for the start-up log. */
export function describeConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config.env).map(([key, value]) => {
      if (secretKeys.has(key)) return [key, value ? '****' : undefined];
      if (typeof value === 'string' && /^[a-z]+:\/\/[^/]*@/.test(value)) return [key, value.replace(/\/\/[^@]*@/, '//****@')];
      return [key, value];
    }),
  );
}
