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
  /** The recent lines the process wrote to stderr (its log). */
  output(): string[];
  stop(): Promise<void>;
}

/**
 * Starts the real entry point in a child process on a free port and waits until it is listening
 * and (by default) has "started": its start-up tasks (database, signing key, revocations) are
 * done, as an orchestrator waits for readiness. `until: 'listening'` returns as soon as it
 * listens, for tests of a process whose peers are not up.
 */
export async function startProcess(runtime: RuntimeName, env: Record<string, string>, { until = 'started' }: { until?: 'listening' | 'started' } = {}): Promise<ServerProcess> {
  const [command, ...args] = commands[runtime];
  const child: ChildProcess = spawn(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const output: string[] = [];
  const listening = await new Promise<{ port: number; startupMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave it running behind a failed test
      reject(new Error(`${runtime} did not start:\n${output.join('\n')}`));
    }, 60_000);
    let listened: { port: number; startupMs: number } | undefined;
    let started = until === 'listening';
    createInterface({ input: child.stderr! }).on('line', (line) => {
      output.push(line);
      if (output.length > 200) output.shift(); // request logs keep coming; keep the recent ones
      if (line.includes('"msg":"listening"')) listened = JSON.parse(line);
      else if (line.includes('"msg":"started"')) started = true; // may come first: nothing to wait for
      else return;
      if (!listened || !started) return;
      clearTimeout(timer);
      resolve(listened);
    });
    void exited.then((code) => reject(new Error(`${runtime} exited with ${code}:\n${output.join('\n')}`)));
  });
  const base = `http://127.0.0.1:${listening.port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  return { ...listening, url: base, clientIp: '127.0.0.1', request: (path, init) => fetch(base + path, init), output: () => [...output], stop, close: stop };
}

/**
 * Runs the real entry point expecting it to stop by itself (a start it must refuse), and resolves
 * with its exit code and stderr; kills it and rejects if it is still running after `timeoutMs`.
 */
export async function runUntilExit(runtime: RuntimeName, env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  const [command, ...args] = commands[runtime];
  const child = spawn(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${runtime} still running after ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can come before the last of stderr: wait for the stream's end.
      if (child.stderr!.readableEnded) resolve({ code, stderr });
      else child.stderr!.once('end', () => resolve({ code, stderr }));
    });
  });
}
