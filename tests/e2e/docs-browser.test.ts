import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, type ServerProcess } from './process.ts';

// Debian's chromium; .ci/run installs it, so CI never skips this.
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const installed = spawnSync(chromium, ['--version']).status === 0;

let server: ServerProcess;
let profile: string;
beforeAll(async () => {
  server = await startProcess('node', { DATABASE_URL: 'memory' });
  profile = await mkdtemp(join(tmpdir(), 'docs-browser-'));
});
afterAll(async () => {
  await server?.stop();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** The page's DOM once its scripts have run, and what it wrote to the console (CSP violations land there). */
async function render(url: string): Promise<{ dom: string; console: string[] }> {
  const { stdout, stderr } = await promisify(execFile)(
    chromium,
    [
      '--headless',
      '--no-sandbox', // CI runs as root
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--virtual-time-budget=10000', // lets the page fetch /openapi.json and render before the dump
      '--dump-dom',
      url,
    ],
    { maxBuffer: 32 * 1024 * 1024, timeout: 30_000 },
  );
  return { dom: stdout, console: stderr.split('\n').filter((line) => line.includes(':CONSOLE')) };
}

describe('GET /docs in a browser', () => {
  it.skipIf(!installed && !process.env.CI)(
    'renders every operation of /openapi.json under its own policy, with nothing on the console',
    async () => {
      const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );

      const page = await render(`${server.url}/docs`);

      // Swagger UI builds these from the document with its script: an empty page means it never ran.
      const rendered = [...page.dom.matchAll(/opblock-summary-method">([A-Z]+)<\/span>.*?data-path="([^"]+)"/g)].map(
        ([, method, path]) => `${method} ${path}`,
      );
      expect(rendered.sort()).toEqual(documented.sort());
      expect(page.console).toEqual([]);
    },
  );
});
