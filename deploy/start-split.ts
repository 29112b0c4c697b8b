// `npm run start:split`: the split deployment on this machine: five processes from the same entry
// point (gateway on PORT, default 3000; auth, user, session, audit on the next four ports), on the
// Postgres and Redis given by DATABASE_URL and REDIS_URL. Ctrl-C stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { serviceUrlEnv, type ModuleName } from '../config/mod.ts';

const base = Number(process.env.PORT ?? 3000);
const common = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  EVENT_BUS: 'redis',
  SERVICE_TOKEN_SECRET: process.env.SERVICE_TOKEN_SECRET ?? crypto.randomUUID() + crypto.randomUUID(),
  HOST: '127.0.0.1',
};
const offsets = { gateway: 0, auth: 1, user: 2, session: 3, audit: 4 } as const;
const url = (module: ModuleName) => `http://127.0.0.1:${base + offsets[module]}`;
// Dependencies first, so each service finds the ones it calls answering.
const order: ModuleName[] = ['user', 'session', 'audit', 'auth', 'gateway'];

const children: ChildProcess[] = [];
for (const name of order) {
  const offset = offsets[name];
  const child = spawn('node', ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...common, ...serviceUrlEnv([name], url), SERVICES: name, PORT: String(base + offset) },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', (line) => console.error(`${name.padEnd(8)}| ${line}`));
  children.push(child);
  // Dependencies first: wait until this one answers before starting the next.
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url(name)}/health/live`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
console.error(`split deployment up: gateway on ${url('gateway')}`);
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
