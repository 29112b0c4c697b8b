import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { placement as defaultPlacement, type Placement, type ServiceUrlVariable } from './placement.ts';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const optionalUrl = z.string().url().optional();
/** One base URL, or several (instances of one service) separated by commas. */
const urlList = z
  .string()
  .transform(list)
  .refine((urls) => urls.length > 0 && urls.every((u) => /^https?:\/\/[^/]+\/?$/.test(u)), {
    message: 'must be http(s)://host:port base URLs, comma-separated for several instances',
  })
  .transform((urls) => urls.map((u) => u.replace(/\/$/, '')))
  .optional();

/** True for an origin exactly as a browser sends it: scheme, lower-case host, non-default port. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * What keeps a database or Redis URL from parsing as its client parses it (postgres.js, ioredis):
 * WHATWG URL, the user name and password %-decoded, and for Postgres a host list (`h1:5432,h2`)
 * narrowed to its first host first. Undefined when it parses. Never quotes the value (a password).
 */
function connectionUrlProblem(value: string, { hostList = false } = {}): string | undefined {
  try {
    let url = value;
    if (hostList) {
      // postgres.js's own reading of the host list, so what passes here passes there.
      const authority = value.slice(value.indexOf('://') + 3).split(/[?/]/)[0]!;
      const hosts = decodeURIComponent(authority.slice(authority.indexOf('@') + 1));
      url = value.replace(hosts, hosts.split(',')[0]!);
    }
    const parsed = new URL(url);
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
    return undefined;
  } catch (error) {
    if (error instanceof URIError) return 'has a malformed %-escape (write a literal % as %25)';
    return 'does not parse as a URL: check the host (an IPv6 address goes in [brackets]) and the port (0–65535), and %-encode @ : / ? # in the user name and password';
  }
}

const databaseUrlProblem = (value: string) => {
  if (value === 'memory' || /^pglite:\/\/.+/.test(value)) return undefined;
  if (/^postgres(ql)?:\/\//.test(value)) return connectionUrlProblem(value, { hostList: true });
  return 'must be "memory", "pglite://<dir>" or "postgres://…"';
};
const redisUrlProblem = (value: string) =>
  /^rediss?:\/\//.test(value) ? connectionUrlProblem(value) : 'must be a redis:// or rediss:// URL';

/** A check for zod that reports what `problemOf` finds wrong with the value, if anything. */
const reportProblem = (problemOf: (value: string) => string | undefined) => (value: string, ctx: z.RefinementCtx) => {
  const problem = problemOf(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
};

// argon2 runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise): more
// hashes at once than cores or threads only wait there, each making the others slower.
const defaultHashConcurrency = Math.min(availableParallelism(), 4);

/** SERVICES: "all", or a comma list of the placement's module names. */
function servicesSchema(moduleNames: readonly string[]) {
  return z
    .string()
    .default('all')
    .transform((value, ctx): string[] => {
      const names = list(value);
      if (names.length === 1 && names[0] === 'all') return [...moduleNames];
      const unknown = names.filter((n) => !moduleNames.includes(n));
      if (unknown.length > 0 || names.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown module(s) ${unknown.join(', ') || '(none)'}; use "all" or a comma list of ${moduleNames.join(', ')}`,
        });
        return z.NEVER;
      }
      if (new Set(names).size !== names.length) {
        ctx.addIssue({ code: 'custom', message: 'names a module twice' });
        return z.NEVER;
      }
      return names;
    });
}

/**
 * Every environment variable the process reads, with its default (DESIGN.md, "Placement"): these,
 * SERVICES, and one `*_SERVICE_URL` per module of the placement (envSchemaFor).
 */
const commonSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  // Links in mails append a path to it, so it has no query or fragment.
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL people reach the system at' })
    .refine((value) => !/[?#]/.test(value), { message: 'must be an http(s) URL without query or fragment, e.g. https://auth.example.com' })
    .optional(),
  REQUEST_TIMEOUT_MS: positiveInt(30_000),
  SHUTDOWN_GRACE_MS: positiveInt(10_000),
  DATABASE_URL: z.string().default('pglite://./.data/db').superRefine(reportProblem(databaseUrlProblem)),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional(),
  // Unset: node_modules/.cache/modular-auth beside PGlite (the adapter finds it, as it finds PGlite).
  PGLITE_TEMPLATE_CACHE: z.string().optional(),
  DATABASE_POOL_SIZE: positiveInt(10),
  DATABASE_STATEMENT_TIMEOUT_MS: positiveInt(5000),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(2000),
  DATABASE_QUERY_TIMEOUT_MS: positiveInt(1000),
  REDIS_URL: z.string().superRefine(reportProblem(redisUrlProblem)).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w:.-]{1,64}$/, 'must be 1–64 characters of letters, digits, _ : . -')
    .default('auth:'),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(1000),
  EVENT_BUS: z.enum(['memory', 'redis']).default('memory'),
  SERVICE_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  // The OpenTelemetry SDK's own variables for sampling (its spec names and defaults).
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform(list)
    .refine((origins) => origins.every(isExactOrigin), {
      message: 'must be a comma list of exact origins like https://app.example.com (never *), as a browser sends them',
    }),
  REMOTE_TIMEOUT_MS: positiveInt(1000),
  REMOTE_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  REMOTE_BREAKER_THRESHOLD: positiveInt(5),
  REMOTE_BREAKER_HALF_OPEN_MS: positiveInt(1000),
  REMOTE_BULKHEAD_LIMIT: positiveInt(64),
  REMOTE_BULKHEAD_QUEUE: z.coerce.number().int().min(0).default(256),
  PASSWORD_HASH_CONCURRENCY: positiveInt(defaultHashConcurrency),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).default(8),
  RATE_LIMIT_API_PER_MINUTE: positiveInt(600),
  RATE_LIMIT_AUTH_PER_MINUTE: positiveInt(300),
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform(list)
    .pipe(
      z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { message: 'must be a comma list of IP addresses or CIDR ranges' })),
    ),
  TOKEN_ISSUER: z.string().min(1).default('modular-auth'),
  TOKEN_AUDIENCE: z.string().min(1).default('modular-auth-api'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(900),
  SIGNING_KEY_ROTATION_DAYS: positiveInt(30),
  // Exactly 32 bytes: 43 base64 characters and one `=`.
  SIGNING_KEY_ENCRYPTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`')
    .optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

type ModuleVariables = z.output<NonNullable<(typeof defaultPlacement.modules)[number]['descriptor']['settings']>['variables']>;

/** The variables of `placement`: the common ones, SERVICES, where each module runs, and each module's own. */
export function envSchemaFor(placement: Placement) {
  const serviceUrls = Object.fromEntries(
    placement.names.filter((name) => name !== 'gateway').map((name) => [placement.urlVariable(name), urlList]),
  );
  const moduleVariables = placement.modules.map(({ descriptor }) => descriptor.settings?.variables.shape ?? {});
  return commonSchema.extend({
    SERVICES: servicesSchema(placement.names),
    ...(serviceUrls as { [Variable in ServiceUrlVariable]: typeof urlList }),
    ...(Object.assign({}, ...moduleVariables) as { [Variable in keyof ModuleVariables]: z.ZodType<ModuleVariables[Variable]> }),
  });
}

export const envSchema = envSchemaFor(defaultPlacement);
export type Env = z.output<typeof envSchema>;
