import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { buildOptions } from '../../tools/build.mjs';
import { startProcess } from '../e2e/process.ts';
import { all, dockerfile, execForm, imagePort, imageUser, last, type Stage } from './dockerfile.ts';

const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  version: string;
  engines: { node: string };
  scripts: Record<string, string>;
};
const node24 = JSON.parse(readFileSync('tools/node24/package.json', 'utf8')) as { dependencies: { node: string } };

const stages = dockerfile();
const final = stages.at(-1)!;
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
const runs = (stage: Stage) => all(stage, 'RUN').map((i) => i.args);
/** `COPY [--from=x] a b ./dest` as its sources and the stage it copies from. */
const copies = (stage: Stage) =>
  all(stage, 'COPY').map(({ args }) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
  });
const envOf = (stage: Stage) =>
  Object.fromEntries(all(stage, 'ENV').flatMap(({ args }) => args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string])));
const labelsOf = (stage: Stage) =>
  Object.fromEntries(all(stage, 'LABEL').flatMap(({ args }) => [...args.matchAll(/([\w.-]+)="([^"]*)"/g)].map(([, k, v]) => [k, v])));
/** The bundle of an entry point, as tools/build.mjs lays out dist/. */
const compiled = (source: string) => `${buildOptions.outdir}/${source.replace(/\.ts$/, '.js')}`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// No Docker engine runs here: the image cannot be built in CI. What can be checked without one is
// checked against the files the build really uses.
describe('the Dockerfile', () => {
  it('runs the Node.js line CI proves, which package.json engines name', () => {
    const major = node24.dependencies.node.split('.')[0];
    for (const stage of stages) expect(stage.from).toMatch(new RegExp(`^node:${major}-`));
    expect(packageJson.engines.node).toMatch(new RegExp(`\\^${major}\\.`));
  });

  it('bundles in a build stage with the dev dependencies, running package.json build script on every file it reads', async () => {
    const stage = stageNamed('build')!;
    expect(runs(stage)).toContain('npm ci --no-audit --no-fund'); // dev dependencies: esbuild
    expect(runs(stage)).toContain('npm run build');
    expect(packageJson.scripts.build).toMatch(/^node tools\/build\.mjs( && |$)/);
    const copied = copies(stage).flatMap((c) => c.sources);
    // Every source of every entry point, as esbuild reports what it read, and the build's own files.
    const { metafile } = await build({ ...buildOptions, write: false, metafile: true, logLevel: 'silent' });
    const read = [...Object.keys(metafile.inputs), 'tools/build.mjs', 'tsconfig.json', 'package.json', 'patches'];
    const uncopied = read.filter((file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)));
    expect(uncopied).toEqual([]);
  });

  it('ships dist/ from the build and the production dependencies alone, from stages of their own', () => {
    const dependencies = stageNamed('dependencies')!;
    expect(runs(dependencies).some((run) => run.startsWith('npm ci --omit=dev'))).toBe(true);
    expect(copies(final)).toEqual(
      expect.arrayContaining([
        { from: 'dependencies', sources: ['/app/node_modules'], destination: './node_modules' },
        { from: 'build', sources: [`/app/${buildOptions.outdir}`], destination: `./${buildOptions.outdir}` },
        { from: undefined, sources: ['package.json'], destination: './' }, // "type": "module"
      ]),
    );
    // Nothing else from the work tree: no sources, no compiler.
    expect(copies(final).filter((c) => !c.from && c.sources.join() !== 'package.json')).toEqual([]);
    expect(runs(final).some((run) => run.includes('npm'))).toBe(false);
  });

  it('runs the compiled entry point as package.json start does, as a numeric non-root user', () => {
    const command = execForm(last(final, 'CMD')!);
    expect(command.join(' ')).toBe(packageJson.scripts.start);
    expect(command).toEqual(['node', compiled('src/main.ts')]);
    const { uid, gid } = imageUser(stages);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // The embedded database's directory belongs to that user.
    expect(envOf(final).DATABASE_URL).toBe('pglite:///app/.data/db');
    expect(runs(final)).toContain(`mkdir /app/.data && chown ${uid}:${gid} /app/.data && chmod 700 /app/.data`);
  });

  it('stops with the signal the server drains on, exposes the port config defaults to, and carries OCI labels', () => {
    expect(last(final, 'STOPSIGNAL')?.args).toBe('SIGTERM');
    expect(imagePort(stages)).toBe(loadConfig({}).port);
    expect(Number(envOf(final).PORT)).toBe(imagePort(stages));
    const labels = labelsOf(final);
    expect(labels['org.opencontainers.image.version']).toBe(packageJson.version);
    for (const key of ['title', 'description', 'revision', 'base.name']) expect(labels[`org.opencontainers.image.${key}`]).toBeTruthy();
  });

  it('builds from a context of exactly what it copies (.dockerignore)', () => {
    const patterns = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(patterns[0]).toBe('*');
    const context = patterns.slice(1).map((pattern) => pattern.replace(/^!/, ''));
    const fromContext = stages.flatMap((stage) => copies(stage).filter((c) => !c.from)).flatMap((c) => c.sources);
    expect([...new Set(fromContext)].sort()).toEqual([...context].sort());
  });

  it("checks health on PORT's readiness route: healthy on a ready server whatever its port, unhealthy with nothing there", async () => {
    const [command, ...args] = execForm(last(final, 'HEALTHCHECK')!);
    const check = (port: number) =>
      promisify(execFile)(command!, args, { env: { ...process.env, PORT: String(port) }, timeout: 10_000 }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    const server = await startProcess('node', { DATABASE_URL: 'memory' });
    try {
      expect(server.port).not.toBe(imagePort(stages));
      expect(await check(server.port)).toBe(0);
    } finally {
      await server.stop();
    }
    expect(await check(await closedPort())).toBe(1);
  }, 120_000);
});
