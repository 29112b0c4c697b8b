import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(root, dirname(file), s)));
}

/** Imports that exist at run time: `import type` and `export type` are erased, so they cannot form a cycle that matters. */
async function valueImportsOf(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.map((s) => relative(root, resolve(root, dirname(file), s)));
}

/** Every cycle of `graph`, each as the path that closes it (depth-first, each cycle reported once per entry). */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(node)), node]);
      return;
    }
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    state.set(node, 'done');
  };
  [...graph.keys()].forEach(visit);
  return cycles;
}

/** The kernel's two public entries: pure domain (mod.ts) and the HTTP helpers for routes (http.ts). */
const publicEntry = (target: string) => /^modules\/[^/]+\/mod\.ts$/.test(target) || target === 'modules/kernel/http.ts';

describe('dependency direction', () => {
  it('modules import no adapters, config or src, and other modules only through mod.ts', async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles('modules')) {
      const own = file.split('/')[1];
      for (const target of await importsOf(file)) {
        if (!target.startsWith('modules/')) violations.push(`${file} -> ${target}`);
        else if (target.split('/')[1] !== own && !publicEntry(target)) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('modules and adapters use the OpenTelemetry API only, never an SDK (src/telemetry.ts starts that)', async () => {
    const violations: string[] = [];
    for (const file of [...(await sourceFiles('modules')), ...(await sourceFiles('adapters'))]) {
      const text = await readFile(join(root, file), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"](@opentelemetry\/[^'"]+)['"]/g)) {
        if (specifier !== '@opentelemetry/api') violations.push(`${file} -> ${specifier}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('modules never touch runtime globals (process, Deno)', async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles('modules')) {
      const text = await readFile(join(root, file), 'utf8');
      if (/\b(process\.|Deno\.)/.test(text)) violations.push(file);
    }
    expect(violations).toEqual([]);
  });

  it('adapters import modules only through mod.ts, and never config or src', async () => {
    const violations: string[] = [];
    for (const file of await sourceFiles('adapters')) {
      for (const target of await importsOf(file)) {
        if (target.startsWith('config/') || target.startsWith('src/')) violations.push(`${file} -> ${target}`);
        if (target.startsWith('modules/') && !publicEntry(target)) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only tests import the test-cost password hasher, so no config can select it', async () => {
    const violations: string[] = [];
    for (const dir of ['modules', 'adapters', 'config', 'src', 'bench', 'deploy']) {
      for (const file of await sourceFiles(dir)) {
        if ((await importsOf(file)).includes('adapters/memory/password-hasher.ts')) violations.push(file);
      }
    }
    expect(violations).toEqual([]);
  });

  it('no import cycle among the sources (value imports; type-only ones are erased)', async () => {
    const graph = new Map<string, string[]>();
    for (const dir of ['modules', 'adapters', 'config', 'src']) {
      for (const file of await sourceFiles(dir)) graph.set(file, await valueImportsOf(file));
    }
    expect(cyclesOf(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('every relative import names its .ts (or .tsx) file, so Deno runs the sources unchanged', async () => {
    const violations: string[] = [];
    for (const dir of ['modules', 'adapters', 'config', 'src']) {
      for (const file of await sourceFiles(dir)) {
        const text = await readFile(join(root, file), 'utf8');
        for (const m of text.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) if (!/\.tsx?$/.test(m[1]!)) violations.push(`${file}: ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
