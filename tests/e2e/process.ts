import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Target } from './harness.ts';

export type RuntimeName = 'node' | 'deno';

const commands: Record<RuntimeName, string[]> = {
  node: ['node_modules/.bin/tsx', 'src/main.ts'],
  deno: ['node_modules/.bin/deno', 'run', '--allow-env', '--allow-net', '--allow-read', '--allow-write', '--allow-ffi', '--allow-sys', 'src/deno.ts'],
};

export interface ServerProcess extends Target {
  port: number;
  url: string;
  startupMs: number;
  stop(): Promise<void>;
}

/** Starts the real entry point in a child process on a free port and waits for "listening". */
export async function startProcess(runtime: RuntimeName, env: Record<string, string>): Promise<ServerProcess> {
  const [command, ...args] = commands[runtime];
  const child: ChildProcess = spawn(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const output: string[] = [];
  const listening = await new Promise<{ port: number; startupMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime} did not start:\n${output.join('\n')}`)), 60_000);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      output.push(line);
      if (output.length > 200) output.shift(); // request logs keep coming; keep the recent ones
      if (!line.includes('"listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    void exited.then((code) => reject(new Error(`${runtime} exited with ${code}:\n${output.join('\n')}`)));
  });
  const base = `http://127.0.0.1:${listening.port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return { ...listening, url: base, clientIp: '127.0.0.1', request: (path, init) => fetch(base + path, init), stop, close: stop };
}
