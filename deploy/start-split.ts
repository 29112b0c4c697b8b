// `npm run start:split`: the split deployment on this machine: one process per module from the same
// compiled entry point as `npm start` (gateway on PORT, default 3000; the other modules on the ports
// after it), on the Postgres and Redis given by DATABASE_URL and REDIS_URL. Ctrl-C stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { moduleNames, serviceUrlEnv, startWaves, type ModuleName } from '../config/mod.ts';

const base = Number(process.env.PORT ?? 3000);
const common = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  EVENT_BUS: 'redis',
  SERVICE_TOKEN_SECRET: process.env.SERVICE_TOKEN_SECRET ?? crypto.randomUUID() + crypto.randomUUID(),
  HOST: '127.0.0.1',
  // Passkeys are registered with the gateway's origin, whichever process verifies them.
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${base}`,
};
// In the order of the module list: gateway 3000, auth 3001, user 3002, session 3003, audit 3004, admin 3005, mfa 3006, notification 3007.
const url = (module: ModuleName) => `http://127.0.0.1:${base + moduleNames.indexOf(module)}`;

const isLive = (module: ModuleName) =>
  fetch(`${url(module)}/health/live`).then(
    (r) => r.ok,
    () => false,
  );
const children: ChildProcess[] = [];
for (const wave of startWaves()) {
  for (const name of wave) {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      env: {
        ...process.env,
        ...common,
        // Links in mails lead to the gateway, whichever process writes them.
        PUBLIC_URL: process.env.PUBLIC_URL ?? url('gateway'),
        ...serviceUrlEnv([name], url),
        SERVICES: name,
        PORT: new URL(url(name)).port,
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    createInterface({ input: child.stderr! }).on('line', (line) => console.error(`${name.padEnd(8)}| ${line}`));
    children.push(child);
  }
  // Wave by wave: wait until this wave answers before starting the modules that call it.
  for (let i = 0; i < 200 && !(await Promise.all(wave.map(isLive))).every(Boolean); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
console.error(`split deployment up: gateway on ${url('gateway')}`);
const stop = () => {
  for (const child of children) child.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
