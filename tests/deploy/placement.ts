import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../../config/mod.ts';
import { placement } from '../../config/placement.ts';
import { all, dockerfile } from './dockerfile.ts';

/** One process of a deployment as its manifest describes it: a compose service, a Kubernetes Deployment. */
export interface Unit {
  name: string;
  /** Every variable it gets, from its image, its manifest and its secrets (test values where a secret is). */
  env: Record<string, string>;
  /** The variables that come from a secret (an env file, a Secret) rather than the manifest. */
  secrets: string[];
}

/** Variables a manifest must never hold itself: they come from a secret. */
export const secretVariables = [
  'SERVICE_TOKEN_SECRET',
  'SIGNING_KEY_ENCRYPTION_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'POSTGRES_PASSWORD',
  'MAIL_URL',
];

/** Values that pass config's checks, for the secrets an example leaves empty. */
const testSecrets: Record<string, string> = {
  SERVICE_TOKEN_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  SIGNING_KEY_ENCRYPTION_KEY: btoa(String.fromCharCode(...new Uint8Array(32))),
  POSTGRES_PASSWORD: 'test',
  DATABASE_URL: 'postgres://auth:test@postgres.example:5432/auth',
  REDIS_URL: 'redis://redis.example:6379',
  MAIL_URL: 'smtp://mailer:test@mail.example:587',
};

/** A value of `key` that passes config's checks, for a secret a manifest refers to. */
export function testSecret(key: string): string {
  const value = testSecrets[key];
  if (!value) throw new Error(`no test value for the secret ${key}`);
  return value;
}

/** An env file (`KEY=value` lines), each empty value replaced by a test value for that secret. */
export function exampleEnvFile(path: string): Record<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (value) return [key, value];
      return [key, testSecret(key)];
    }),
  );
}

/** The variables the image sets (its final stage's ENV). */
export function imageEnv(): Record<string, string> {
  const final = dockerfile().at(-1)!;
  return Object.fromEntries(
    all(final, 'ENV').flatMap(({ args }) => args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string])),
  );
}

/**
 * What is wrong with a deployment's processes by config's own placement rules (loadConfig and
 * config/placement.ts, not a copy): each process's variables load; each `*_SERVICE_URL` it needs
 * points (through `unitAt`, the unit a URL reaches) at a process hosting that module; a split
 * process that keeps state does so in the shared Postgres; the key-encryption key reaches the
 * auth module on the production stores; secrets come from secrets; and, unless `monolith`, every module is hosted somewhere.
 */
export function placementProblems(
  units: readonly Unit[],
  unitAt: (url: string) => string | undefined,
  /** Secret variables this deployment may write in its manifest (compose's Redis has no password). */
  { plain = [] }: { plain?: string[] } = {},
): string[] {
  const problems: string[] = [];
  const configs = new Map<string, Config>();
  for (const unit of units) {
    try {
      configs.set(unit.name, loadConfig(unit.env));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems.map((problem) => `${unit.name}: ${problem}`));
    }
  }
  for (const unit of units) {
    const config = configs.get(unit.name);
    if (!config) continue;
    for (const [module, urls] of Object.entries(config.remotes)) {
      for (const url of urls) {
        const target = unitAt(url);
        if (!target || !configs.get(target)?.services.includes(module)) {
          problems.push(`${unit.name}: ${placement.urlVariable(module)}=${url} does not reach a process hosting ${module}`);
        }
      }
    }
    const keepsState = config.services.some((module) => module !== 'gateway');
    if (!config.monolith && keepsState && config.database.kind !== 'postgres') {
      problems.push(`${unit.name}: DATABASE_URL must be the shared Postgres (SERVICES=${config.services.join(',')} keeps state)`);
    }
    // The embedded default is for one machine (dev); on the production stores, keys are encrypted.
    const production = config.database.kind === 'postgres';
    if (production && config.services.includes('auth') && !unit.secrets.includes('SIGNING_KEY_ENCRYPTION_KEY')) {
      problems.push(`${unit.name}: hosts auth without SIGNING_KEY_ENCRYPTION_KEY from a secret (its signing keys would be stored plain)`);
    }
    for (const variable of secretVariables) {
      if (variable === 'DATABASE_URL' && !production) continue; // a path, or memory: no credentials
      if (unit.env[variable] !== undefined && !unit.secrets.includes(variable) && !plain.includes(variable)) {
        problems.push(`${unit.name}: ${variable} is written in the manifest instead of coming from a secret`);
      }
    }
  }
  const split = [...configs.values()].some((config) => !config.monolith);
  if (split) {
    for (const module of placement.names) {
      if (![...configs.values()].some((config) => config.services.includes(module))) problems.push(`no process hosts ${module}`);
    }
  }
  return problems;
}
