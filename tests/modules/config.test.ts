import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../config/mod.ts';

describe('config', () => {
  it('defaults to the zero-config monolith on embedded storage', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      services: ['gateway', 'auth', 'user', 'session', 'audit'],
      database: { kind: 'pglite', dataDir: './.data/db' },
      eventBus: 'memory',
      corsOrigins: [],
      refreshReuseGraceSeconds: 0,
    });
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

  it('refuses EVENT_BUS=redis without REDIS_URL', () => {
    expect(() => loadConfig({ EVENT_BUS: 'redis' })).toThrow(/EVENT_BUS/);
  });

  it('masks secrets and URL credentials when printed', () => {
    const config = loadConfig({ SERVICE_TOKEN_SECRET: 's'.repeat(40), DATABASE_URL: 'memory' });
    const printed = JSON.stringify(describeConfig(config));
    expect(printed).not.toContain('s'.repeat(40));
    expect(printed).toContain('****');
  });
});
