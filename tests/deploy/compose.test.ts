import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { placement } from '../../config/placement.ts';
import { dockerfile, imagePort, last } from './dockerfile.ts';
import { exampleEnvFile, imageEnv, placementProblems, secretVariables, type Unit } from './placement.ts';

interface Service {
  image?: string;
  build?: string;
  profiles?: string[];
  env_file?: Array<string | { path: string; required?: boolean }>;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[]; disable?: boolean };
  read_only?: boolean;
  tmpfs?: string[];
  stop_grace_period?: string;
  volumes?: string[];
  deploy?: { replicas?: number };
}

const dir = 'deploy/compose';
/** A compose file as compose reads it: YAML 1.1 merge keys (`<<: *app`) resolved. */
const composeFile = (name: string) =>
  parse(readFileSync(join(dir, name), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: object };
const envFiles = (service: Service) => (service.env_file ?? []).map((file) => (typeof file === 'string' ? { path: file } : file));
/** An env file is never committed: its example is, with the secrets left empty. */
const exampleOf = (path: string) => join(dir, path.replace(/\.env$/, '.example.env'));
/** A compose service as a process of the deployment: the image's variables, then its env files', then its own. */
function unitOf(name: string, service: Service, { withOptionalFiles = true } = {}): Unit {
  const files = envFiles(service)
    .filter((file) => withOptionalFiles || file.required !== false)
    .map((file) => exampleEnvFile(exampleOf(file.path)));
  const fromFiles = Object.assign({}, ...files) as Record<string, string>;
  return { name, env: { ...imageEnv(), ...fromFiles, ...service.environment }, secrets: Object.keys(fromFiles) };
}
const appServices = (services: Record<string, Service>) => Object.entries(services).filter(([, s]) => s.image?.startsWith('modular-auth'));
/** `http://auth:3000` reaches the service `auth` when the port is the one the image listens on. */
const serviceAt = (url: string) => {
  const { hostname, port } = new URL(url);
  return Number(port) === imagePort(dockerfile()) ? hostname : undefined;
};
const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1]);

describe.each(['monolith.yml', 'split.yml'])('deploy/compose/%s', (file) => {
  const { services } = composeFile(file);
  const apps = appServices(services);

  it('runs one image, built from the Dockerfile at the repository root', () => {
    expect(new Set(apps.map(([, s]) => s.image)).size).toBe(1);
    for (const [, service] of apps) expect(existsSync(join(resolve(dir, service.build!), 'Dockerfile'))).toBe(true);
  });

  it('runs each process read-only but for /tmp, with a stop grace above SHUTDOWN_GRACE_MS', () => {
    for (const [name, service] of apps) {
      expect({ name, readOnly: service.read_only, tmpfs: service.tmpfs }).toEqual({ name, readOnly: true, tmpfs: ['/tmp'] });
      const graceMs = loadConfig(unitOf(name, service).env).shutdownGraceMs;
      expect(seconds(service.stop_grace_period!) * 1000).toBeGreaterThan(graceMs);
    }
  });

  it('checks the health of every service, and orders starts on it', () => {
    expect(last(dockerfile().at(-1)!, 'HEALTHCHECK')).toBeDefined(); // the app services'
    for (const [name, service] of Object.entries(services)) {
      if (!apps.some(([app]) => app === name)) expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck?.disable, name).toBeUndefined();
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: 'service_healthy' });
        expect(services[dependency], `${name} depends on ${dependency}`).toBeDefined();
      }
    }
  });

  it('takes its secrets from env files, never committed, each with an example', () => {
    const files = new Set(Object.values(services).flatMap((s) => envFiles(s).map((f) => f.path)));
    expect(files.size).toBeGreaterThan(0);
    for (const path of files) {
      expect(existsSync(exampleOf(path)), exampleOf(path)).toBe(true);
      expect(execFileSync('git', ['check-ignore', '--no-index', '-q', join(dir, path)]).length).toBe(0); // throws unless ignored
    }
    for (const [name, service] of Object.entries(services)) {
      const inlined = Object.keys(service.environment ?? {}).filter((v) => secretVariables.includes(v) && v !== 'REDIS_URL');
      expect({ name, inlined }).toEqual({ name, inlined: [] });
    }
  });
});

describe('deploy/compose/monolith.yml', () => {
  const { services } = composeFile('monolith.yml');
  const [[name, monolith]] = appServices(services) as [[string, Service]];

  it('runs every module on the embedded database, kept on a volume, by default', () => {
    const unit = unitOf(name, monolith, { withOptionalFiles: false });
    const config = loadConfig(unit.env);
    expect(config.monolith).toBe(true);
    expect(config.database.kind).toBe('pglite');
    const dataDir = (config.database as { dataDir: string }).dataDir;
    expect(monolith.volumes?.some((volume) => dataDir.startsWith(`${volume.split(':')[1]}/`))).toBe(true);
    expect(placementProblems([unit], () => undefined)).toEqual([]);
  });

  it('runs on Postgres and Redis of the stores profile when its env file is there', () => {
    const unit = unitOf(name, monolith);
    const config = loadConfig(unit.env);
    expect(config.monolith).toBe(true);
    expect(config.database.kind).toBe('postgres');
    expect(new URL((config.database as { url: string }).url).hostname).toBe('postgres');
    expect(new URL(config.redis!.url).hostname).toBe('redis');
    for (const store of ['postgres', 'redis']) {
      expect(services[store]?.profiles).toEqual(['stores']);
      expect(monolith.depends_on?.[store]).toEqual({ condition: 'service_healthy', required: false });
    }
    expect(placementProblems([unit], () => undefined, { plain: ['REDIS_URL'] })).toEqual([]);
  });
});

describe('deploy/compose/split.yml', () => {
  const { services } = composeFile('split.yml');
  const units = appServices(services).map(([name, service]) => unitOf(name, service));
  const servicesOf = (unit: Unit) => loadConfig(unit.env).services;

  it("gives every process what its SERVICES needs, by config's placement rules, and hosts every module", () => {
    expect(placementProblems(units, serviceAt, { plain: ['REDIS_URL'] })).toEqual([]);
  });

  it('runs each module once and two gateways', () => {
    const hosted = units.flatMap(servicesOf);
    expect(hosted.sort()).toEqual([...placement.names].sort());
    expect(services.gateway?.deploy?.replicas).toBe(2);
  });

  it('starts each process after the modules it calls are healthy, and after the stores', () => {
    for (const unit of units) {
      const dependsOn = Object.keys(services[unit.name]!.depends_on ?? {});
      const calls = placement.remoteModules(servicesOf(unit)).map((module) => serviceAt(unit.env[placement.urlVariable(module)]!)!);
      expect({ service: unit.name, dependsOn: dependsOn.sort() }).toEqual({
        service: unit.name,
        dependsOn: ['postgres', 'redis', ...calls].sort(),
      });
    }
  });

  it('shares one Postgres and one Redis between the processes', () => {
    for (const unit of units) {
      const config = loadConfig(unit.env);
      if (config.services.some((module) => module !== 'gateway')) expect(new URL(unit.env.DATABASE_URL!).hostname).toBe('postgres');
      expect(new URL(config.redis!.url).hostname).toBe('redis');
    }
  });
});
