import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../config/mod.ts';

/** The problems loadConfig reports for `env`, one line each. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('defaults to the zero-config monolith on embedded storage', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      services: ['gateway', 'auth', 'user', 'session', 'audit', 'admin', 'mfa', 'notification'],
      publicUrl: 'http://localhost:3000',
      database: { kind: 'pglite', dataDir: './.data/db' },
      eventBus: 'memory',
      corsOrigins: [],
      settings: { session: { reuseGraceSeconds: 0 }, user: { adminEmails: [] } },
    });
  });

  it('reads ADMIN_EMAILS as a comma list of canonical emails, and names it when one is not an email', () => {
    expect(loadConfig({ ADMIN_EMAILS: ' Boss@Example.com ,ops@example.com,' }).settings.user.adminEmails).toEqual([
      'boss@example.com',
      'ops@example.com',
    ]);
    expect(problemsOf({ ADMIN_EMAILS: 'boss@example.com, not-an-email' })).toEqual([expect.stringMatching(/^ADMIN_EMAILS/)]);
  });

  it('reports every bad variable at once, each by name', () => {
    try {
      loadConfig({ PORT: 'abc', CORS_ORIGINS: '*', DATABASE_URL: 'mysql://x', SERVICES: 'gateway,billing' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(expect.arrayContaining(['PORT', 'CORS_ORIGINS', 'DATABASE_URL', 'SERVICES']));
    }
  });

  it.each(['https://App.example.com', 'https://a.example.com:443', 'https://a.example.com/', 'https://a.example.com?x', 'null'])(
    'refuses CORS origin %s, which no browser sends',
    (origin) => {
      expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrow(/CORS_ORIGINS/);
    },
  );

  it('accepts exact origins, including a non-default port', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it("bounds password hashing by default to the cores (at most libuv's 4 threads) and 8 waiting, and reads both variables", () => {
    expect(loadConfig({}).passwordHashing).toEqual({ concurrency: Math.min(availableParallelism(), 4), queue: 8 });
    expect(loadConfig({ PASSWORD_HASH_CONCURRENCY: '3', PASSWORD_HASH_QUEUE: '0' }).passwordHashing).toEqual({ concurrency: 3, queue: 0 });
    expect(() => loadConfig({ PASSWORD_HASH_CONCURRENCY: '0' })).toThrow(/PASSWORD_HASH_CONCURRENCY/);
    expect(() => loadConfig({ PASSWORD_HASH_QUEUE: '-1' })).toThrow(/PASSWORD_HASH_QUEUE/);
  });

  it('reads SESSION_MAX_AGE_SECONDS (30 days by default) and refuses a non-positive one', () => {
    // The session module's own variable (its descriptor's settings), validated with every other.
    expect(loadConfig({}).settings.session.maxAgeSeconds).toBe(2_592_000);
    expect(loadConfig({ SESSION_MAX_AGE_SECONDS: '3600' }).settings.session.maxAgeSeconds).toBe(3600);
    for (const bad of ['0', '-1', '1.5', 'week'])
      expect(() => loadConfig({ SESSION_MAX_AGE_SECONDS: bad })).toThrow(/SESSION_MAX_AGE_SECONDS/);
  });

  it('accepts an idle timeout longer than the absolute lifetime: the lifetime simply caps it', () => {
    const config = loadConfig({ SESSION_MAX_AGE_SECONDS: '3600', REFRESH_TOKEN_TTL_SECONDS: '86400' });
    expect(config.settings.session).toMatchObject({ maxAgeSeconds: 3600, refreshTtlSeconds: 86400 });
  });

  it('reads PGLITE_TEMPLATE_CACHE for a pglite:// database and refuses it for any other', () => {
    expect(loadConfig({}).database).toEqual({ kind: 'pglite', dataDir: './.data/db', templateCache: undefined });
    expect(loadConfig({ PGLITE_TEMPLATE_CACHE: '/var/cache/auth' }).database).toEqual({
      kind: 'pglite',
      dataDir: './.data/db',
      templateCache: '/var/cache/auth',
    });
    for (const DATABASE_URL of ['memory', 'postgres://postgres@127.0.0.1:5432/postgres']) {
      expect(problemsOf({ DATABASE_URL, PGLITE_TEMPLATE_CACHE: '/var/cache/auth' })).toEqual([
        'PGLITE_TEMPLATE_CACHE: applies to pglite:// databases only',
      ]);
    }
  });

  it('refuses EVENT_BUS=redis without REDIS_URL', () => {
    expect(() => loadConfig({ EVENT_BUS: 'redis' })).toThrow(/EVENT_BUS/);
  });

  it('masks secrets and URL credentials when printed', () => {
    const config = loadConfig({ SERVICE_TOKEN_SECRET: 's'.repeat(40), DATABASE_URL: 'memory' });
    const printed = JSON.stringify(describeConfig(config));
    expect(printed).not.toContain('s'.repeat(40));
    expect(printed).toContain('****');
  });

  it('gives a stop 10 s to finish the requests in flight unless SHUTDOWN_GRACE_MS says otherwise', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '25000' }).shutdownGraceMs).toBe(25_000);
    expect(problemsOf({ SHUTDOWN_GRACE_MS: 'soon' })).toEqual([expect.stringMatching(/^SHUTDOWN_GRACE_MS: /)]);
  });

  it('rotates signing keys every 30 days unless SIGNING_KEY_ROTATION_DAYS says otherwise', () => {
    expect(loadConfig({}).tokens.keyRotationDays).toBe(30);
    expect(loadConfig({ SIGNING_KEY_ROTATION_DAYS: '7' }).tokens.keyRotationDays).toBe(7);
    expect(() => loadConfig({ SIGNING_KEY_ROTATION_DAYS: '0' })).toThrow(/SIGNING_KEY_ROTATION_DAYS/);
  });

  it('takes SIGNING_KEY_ENCRYPTION_KEY as 32 bytes of base64, and masks it when printed', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const value = btoa(String.fromCharCode(...bytes));
    const config = loadConfig({ SIGNING_KEY_ENCRYPTION_KEY: value });
    expect(config.signingKeyEncryptionKey).toEqual(bytes);
    expect(JSON.stringify(describeConfig(config))).not.toContain(value);
    expect(loadConfig({}).signingKeyEncryptionKey).toBeUndefined();
  });

  it.each([
    ['16 bytes', btoa('x'.repeat(16))],
    ['33 bytes', btoa('x'.repeat(33))],
    ['not base64', `${'!'.repeat(43)}=`],
    ['a passphrase', 'correct horse battery staple'],
  ])('refuses a SIGNING_KEY_ENCRYPTION_KEY of %s, naming the variable', (_, value) => {
    expect(() => loadConfig({ SIGNING_KEY_ENCRYPTION_KEY: value })).toThrow(
      /SIGNING_KEY_ENCRYPTION_KEY: must be 32 random bytes in base64/,
    );
  });

  it('masks credentials anywhere in a URL: user info and secret query parameters', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:hunter2@db:5432/auth?sslmode=require&password=hunter3&sslkey=/k.pem',
      REDIS_URL: 'redis://:hunter4@cache:6379',
      EVENT_BUS: 'redis',
    });
    const printed = describeConfig(config);
    for (const secret of ['hunter2', 'hunter3', 'hunter4', '/k.pem', 'app:']) expect(JSON.stringify(printed)).not.toContain(secret);
    expect(printed.DATABASE_URL).toBe('postgres://****@db:5432/auth?sslmode=require&password=****&sslkey=****');
    expect(printed.REDIS_URL).toBe('redis://****@cache:6379');
  });

  it.each([
    ['several hosts', 'postgres://app:hunter2@db1:5432,db2:5432/auth', 'postgres://****@db1:5432,db2:5432/auth'],
    ['a password that parses as a port and a path', 'postgres://app:12/ss@db:5432/auth', 'postgres://****@db:5432/auth'],
  ])('masks the user info of a URL with an odd password or several hosts (%s)', (_, url, masked) => {
    expect(describeConfig(loadConfig({ DATABASE_URL: url })).DATABASE_URL).toBe(masked);
  });

  // What postgres.js and ioredis cannot parse would otherwise throw TypeError: Invalid URL (or a
  // URIError) with a stack trace at start.
  it.each([
    ['DATABASE_URL', 'an IPv6 host without its closing bracket', 'postgres://:hunter2@[::1', /does not parse as a URL/],
    ['DATABASE_URL', 'a port past 65535', 'postgres://app:hunter2@db:99999/auth', /does not parse as a URL/],
    ['DATABASE_URL', 'a # in the password', 'postgres://app:hun#ter2@db:5432/auth', /does not parse as a URL/],
    ['DATABASE_URL', 'a / and a ? in the password', 'postgres://app:pa/ss?w#x@db1:5432,db2:5432/auth', /does not parse as a URL/],
    ['DATABASE_URL', 'a malformed %-escape in the password', 'postgres://app:hunter2%zz@db/auth', /malformed %-escape/],
    ['REDIS_URL', 'an IPv6 host without its closing bracket', 'redis://:hunter2@[::1', /does not parse as a URL/],
    ['REDIS_URL', 'a port that is not a number', 'redis://:hunter2@cache:six', /does not parse as a URL/],
    ['REDIS_URL', 'a malformed %-escape in the password', 'redis://:hunter2%zz@cache:6379', /malformed %-escape/],
  ])('refuses a %s its client cannot parse (%s), naming the variable and never the password', (variable, _, url, what) => {
    const problems = problemsOf({ [variable]: url });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${variable}: `))]);
    expect(problems[0]).toMatch(what);
    expect(problems[0]).not.toContain('hunter2');
  });

  it('accepts the URLs its clients parse: a Postgres host list, IPv6 in brackets, %-encoded passwords', () => {
    for (const url of ['postgres://app:p%40ss@db1:5432,db2:5432/auth', 'postgresql://app@[::1]:5432/auth?sslmode=require']) {
      expect(loadConfig({ DATABASE_URL: url }).database).toMatchObject({ kind: 'postgres', url });
    }
    for (const url of ['redis://:p%40ss@[::1]:6379/2', 'rediss://cache:6380']) expect(loadConfig({ REDIS_URL: url }).redis?.url).toBe(url);
  });
});

describe('placement', () => {
  const split = { EVENT_BUS: 'redis', REDIS_URL: 'redis://127.0.0.1:6379', SERVICE_TOKEN_SECRET: 'x'.repeat(32) };

  it('stops a split process that lacks the URL of a module it calls, naming the variable', () => {
    expect(() => loadConfig({ ...split, SERVICES: 'auth', USER_SERVICE_URL: 'http://user:3000' })).toThrow(/SESSION_SERVICE_URL: required/);
  });

  it('requires the Redis bus and a service token secret once SERVICES is not all', () => {
    try {
      loadConfig({ SERVICES: 'user' });
      expect.unreachable();
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toEqual(expect.arrayContaining(['EVENT_BUS', 'SERVICE_TOKEN_SECRET']));
    }
  });

  it('takes several instances per service URL and ignores URLs of modules it does not call', () => {
    const config = loadConfig({
      ...split,
      SERVICES: 'gateway',
      AUTH_SERVICE_URL: 'http://a1:3000, http://a2:3000/',
      USER_SERVICE_URL: 'http://u:3000',
      SESSION_SERVICE_URL: 'http://s:3000',
      AUDIT_SERVICE_URL: 'http://au:3000',
      ADMIN_SERVICE_URL: 'http://ad:3000',
      MFA_SERVICE_URL: 'http://m:3000',
    });
    expect(config.remotes).toEqual({
      auth: ['http://a1:3000', 'http://a2:3000'],
      user: ['http://u:3000'],
      session: ['http://s:3000'],
      audit: ['http://au:3000'],
      admin: ['http://ad:3000'],
      mfa: ['http://m:3000'],
    });
    expect(loadConfig({ ...split, SERVICES: 'user', AUTH_SERVICE_URL: 'http://a:3000' }).remotes).toEqual({});
  });

  it('PUBLIC_URL defaults to this process on localhost; passkeys follow it unless WEBAUTHN_* say otherwise', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl).toBe('https://auth.example.com');
    expect(loadConfig({}).settings.mfa).toEqual({ rpId: undefined, origins: undefined });
    const set = loadConfig({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com' });
    expect(set.settings.mfa).toEqual({ rpId: 'example.com', origins: ['https://app.example.com', 'https://example.com'] });
    expect(problemsOf({ PUBLIC_URL: 'ftp://x.example.com' })[0]).toMatch(/^PUBLIC_URL/);
    expect(problemsOf({ WEBAUTHN_RP_ID: 'https://example.com' })[0]).toMatch(/^WEBAUTHN_RP_ID/);
    expect(problemsOf({ WEBAUTHN_ORIGINS: 'https://example.com/' })[0]).toMatch(/^WEBAUTHN_ORIGINS/);
  });

  it('reads the remote-call policy, with defaults', () => {
    expect(loadConfig({}).remotePolicy).toEqual({
      timeoutMs: 1000,
      attempts: 3,
      breakerThreshold: 5,
      halfOpenAfterMs: 1000,
      bulkheadLimit: 64,
      bulkheadQueue: 256,
    });
    expect(loadConfig({ REMOTE_TIMEOUT_MS: '250', REMOTE_ATTEMPTS: '1' }).remotePolicy).toMatchObject({ timeoutMs: 250, attempts: 1 });
    expect(() => loadConfig({ REMOTE_ATTEMPTS: '0' })).toThrow(/REMOTE_ATTEMPTS/);
  });

  it('refuses a module named twice, which would otherwise count as hosting them all', () => {
    expect(() => loadConfig({ SERVICES: 'gateway,gateway,gateway,gateway,auth' })).toThrow(/SERVICES: names a module twice/);
  });

  it('refuses an unknown module name', () => {
    expect(() => loadConfig({ ...split, SERVICES: 'gateway,billing' })).toThrow(/SERVICES: unknown module\(s\) billing/);
  });
});

describe('config of the account lifecycle', () => {
  it('links default to http://localhost:$PORT, and PUBLIC_URL loses a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl).toBe('https://auth.example.com');
    for (const bad of ['auth.example.com', 'ftp://x', 'https://x/?a=1'])
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(/PUBLIC_URL/);
  });

  it('reads MAIL_URL (smtp or smtps only), MAIL_FROM and REQUIRE_VERIFIED_EMAIL, and prints MAIL_URL without its password', () => {
    expect(loadConfig({}).settings).toMatchObject({
      notification: { mailUrl: undefined, mailFrom: 'modular-auth <no-reply@localhost>' },
      auth: { requireVerifiedEmail: false },
    });
    const config = loadConfig({ MAIL_URL: 'smtps://mailer:s3cret@mail.example.com:465', REQUIRE_VERIFIED_EMAIL: 'true' });
    expect(config.settings).toMatchObject({
      notification: { mailUrl: 'smtps://mailer:s3cret@mail.example.com:465' },
      auth: { requireVerifiedEmail: true },
    });
    expect(JSON.stringify(describeConfig(config))).not.toContain('s3cret');
    expect(() => loadConfig({ MAIL_URL: 'http://mail.example.com' })).toThrow(/MAIL_URL/);
    expect(() => loadConfig({ REQUIRE_VERIFIED_EMAIL: 'yes' })).toThrow(/REQUIRE_VERIFIED_EMAIL/);
  });
});
