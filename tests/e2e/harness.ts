import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { createSystem } from '../../src/system.ts';
import { testPoolSize } from '../support/connection-budget.ts';
import { createClient, type Client } from './client.ts';

/** A running deployment the scenarios talk to through the public HTTP API only. */
export interface Target {
  request(path: string, init?: RequestInit): Promise<Response>;
  /** The address the deployment sees requests come from. */
  clientIp: string;
  close(): Promise<void>;
}

export type StartTarget = (env?: Record<string, string>) => Promise<Target>;

const inProcessClientIp = '203.0.113.7';

/**
 * The monolith in this process, reached through `app.request` (no socket). Each start may take
 * its own env (e.g. a fresh schema): two monoliths on one database with the in-memory bus would
 * each publish some of the other's events to its own bus only.
 */
export function monolith(baseEnv: Record<string, string> | (() => Record<string, string>)): StartTarget {
  return async (env = {}) => {
    const base = typeof baseEnv === 'function' ? baseEnv() : baseEnv;
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      CORS_ORIGINS: 'https://app.example.com',
      DATABASE_POOL_SIZE: testPoolSize,
      ...base,
      ...env,
    });
    const system = await createSystem(config, { clientIp: () => inProcessClientIp });
    return {
      clientIp: inProcessClientIp,
      request: async (path, init) => system.app.request(path, init),
      close: () => system.close(),
    };
  };
}

/** Polls `check` until it passes or `timeoutMs` runs out (then rethrows its last failure). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 2000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * Serves every group whose env is part of `env` from one deployment, started on first use and
 * closed after the enclosing describe's tests; a group that asks for anything else gets its own.
 * A split takes seconds to start: sharing one is most of a scenario file's time saved.
 */
export function shareTarget(start: StartTarget, env: Record<string, string>): StartTarget {
  let shared: Promise<Target> | undefined;
  afterAll(() =>
    shared?.then(
      (target) => target.close(),
      () => {},
    ),
  );
  return async (groupEnv = {}) => {
    if (!Object.entries(groupEnv).every(([name, value]) => env[name] === value)) return start(groupEnv);
    shared ??= start(env);
    const target = await shared;
    return { ...target, close: async () => {} };
  };
}

/** The addresses ADMIN_EMAILS names for the scenarios: each group that needs an admin has its own account. */
export const scenarioAdmins = {
  admin: `admin-${crypto.randomUUID().slice(0, 8)}@example.com`,
  mfa: `mfa-admin-${crypto.randomUUID().slice(0, 8)}@example.com`,
};
export const scenarioAdminEnv = { ADMIN_EMAILS: Object.values(scenarioAdmins).join(',') };

/** Starts a target before the enclosing describe's tests and closes it after them. */
export function useTarget(start: StartTarget, env?: Record<string, string>) {
  const context = {} as { target: Target; api: Client };
  beforeAll(async () => {
    context.target = await start(env);
    context.api = createClient(context.target);
  });
  afterAll(() => context.target?.close());
  return context;
}
