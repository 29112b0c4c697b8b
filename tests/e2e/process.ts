import { createInterface } from 'node:readline';
import { spawnOwned } from '../support/children.ts';
import { testPoolSize } from '../support/connection-budget.ts';
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
  /** The process (and process group) id, to check it is gone. */
  pid: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for "listening" before stopping the process and failing. Default 90 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it SIGKILLs. Default 15 s (a shutdown drains requests for up to 10 s). */
  stopGraceMs?: number;
}

/**
 * Starts the real entry point in a child process on a free port and waits for "listening".
 * If it does not get there, the process is stopped before this rejects: a failed start leaves
 * nothing running.
 */
export async function startProcess(runtime: RuntimeName, env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const { startTimeoutMs = 90_000, stopGraceMs = 15_000 } = options;
  const [command, ...args] = commands[runtime];
  const started = spawnOwned(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_POOL_SIZE: testPoolSize, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = () => started.stop(stopGraceMs);
  const output: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const listening = await new Promise<{ port: number; startupMs: number }>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${runtime} did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`)), startTimeoutMs);
      createInterface({ input: started.child.stderr! }).on('line', (line) => {
        output.push(line);
        if (output.length > 200) output.shift(); // request logs keep coming; keep the recent ones
        if (line.includes('"listening"')) resolve(JSON.parse(line));
      });
      started.exited.then((code) => reject(new Error(`${runtime} exited with ${code}:\n${output.join('\n')}`)), reject);
    });
    const base = `http://127.0.0.1:${listening.port}`;
    return {
      ...listening,
      pid: started.pid,
      url: base,
      clientIp: '127.0.0.1',
      request: (path, init) => fetch(base + path, init),
      stop,
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
