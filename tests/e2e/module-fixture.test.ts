import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/mod.ts';
import { createPlacement } from '../../config/placement.ts';
import { modules } from '../../src/modules.ts';
import { createSystem, type System } from '../../src/system.ts';
import { notesBinding } from '../fixtures/notes/module.ts';
import { dropTestStores, testRedisUrl, uniqueName } from '../support/services.ts';
import { eventually } from './harness.ts';

// A new module costs its descriptor and its line in the list: here the list is the system's plus
// a throw-away `notes` module, and nothing else in the system knows about it.
const placement = createPlacement([...modules, notesBinding]);
const runtime = { clientIp: () => '203.0.113.7' };
const json = { 'Content-Type': 'application/json' };
const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

type Request = (path: string, init?: RequestInit) => Promise<Response>;

/** Registers and logs in an account through `request`; its access token. */
async function newAccount(request: Request): Promise<string> {
  const credentials = { email: `notes-${crypto.randomUUID()}@example.com`, password: 'a sturdy passphrase for notes' };
  expect((await request('/api/auth/register', { method: 'POST', headers: json, body: JSON.stringify(credentials) })).status).toBe(201);
  const login = await request('/api/auth/login', { method: 'POST', headers: json, body: JSON.stringify(credentials) });
  expect(login.status).toBe(200);
  return (await login.json()).accessToken;
}

/** What the module's route, its port, its event handler and the document must show in any placement. */
async function expectNotesWork(request: Request) {
  const token = await newAccount(request);
  // The handler of `user.registered` wrote the note; the route reads it over the port.
  const notes = await eventually(async () => {
    const res = await request('/api/notes', { headers: { Authorization: `Bearer ${token}` } });
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.notes).toHaveLength(1);
    return body.notes;
  }, 5000);
  expect(notes).toEqual([{ text: 'Welcome!' }]);
  // Its definition's `security` makes the gateway ask for a token.
  const anonymous = await request('/api/notes');
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('Content-Type')).toMatch(/problem\+json/);
  const document = await (await request('/openapi.json')).json();
  expect(document.paths['/api/notes'].get).toMatchObject({ summary: 'The caller’s notes', security: [{ bearerAuth: [] }] });
}

async function start(env: Record<string, string>): Promise<System> {
  const system = await createSystem(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: 'memory', ...env }, placement), runtime);
  closers.push(() => system.close());
  return system;
}

describe('a module added by its descriptor alone', () => {
  it('runs in the monolith: SERVICES=all hosts it, its route, port, handler and document entry work', async () => {
    const system = await start({});
    await expectNotesWork(async (path, init) => system.app.request(path, init));
  });

  it('runs forced-remote: in a process of its own, reached by the gateway over HTTP and fed by Redis Streams', async () => {
    const name = uniqueName('notes');
    closers.push(() => dropTestStores([name]));
    const split = {
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `${name}:`,
      EVENT_BUS: 'redis',
      SERVICE_TOKEN_SECRET: 'notes-fixture-secret-0123456789-abcdefgh',
    };
    const notes = await start({ ...split, SERVICES: 'notes' });
    const server: ServerType = serve({ fetch: notes.app.fetch, hostname: '127.0.0.1', port: 0 });
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    await new Promise((resolve) => server.once('listening', resolve));
    const notesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rest = placement.names.filter((module) => module !== 'notes').join(',');
    const gateway = await start({ ...split, SERVICES: rest, [placement.urlVariable('notes')]: notesUrl });
    await expectNotesWork(async (path, init) => gateway.app.request(path, init));
  });
});
