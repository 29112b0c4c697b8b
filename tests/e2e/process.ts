import { createInterface } from 'node:readline';
import { killGroup, spawnOwned } from '../support/children.ts';
import { testPoolSize } from '../support/connection-budget.ts';
import type { Target } from './harness.ts';

export type RuntimeName = 'node' | 'deno';
/** A runtime on the sources, or the compiled entry point: directly, or through `npm start`, which compiles it first when needed. */
export type EntryPoint = RuntimeName | 'compiled' | 'npm start';

const commands: Record<EntryPoint, string[]> = {
  node: ['node', '--import', 'tsx', 'src/main.ts'], // the sources, as `npm run dev` runs them
  compiled: ['node', 'dist/src/main.js'], // as the image runs it, once `npm run build` has made it
  'npm start': ['npm', 'start'],
  deno: [
    'node_modules/.bin/deno',
    'run',
    '--allow-env',
    '--allow-net',
    '--allow-read',
    '--allow-write',
    '--allow-ffi',
    '--allow-sys',
    'src/main.ts',
  ],
};

export interface ServerProcess extends Target {
  port: number;
  url: string;
  startupMs: number;
  /** The process (and process group) id, to check it is gone. */
  pid: number;
  /** Settles with the exit code when the process exits (null when a signal ended it). */
  exited: Promise<number | null>;
  /** The recent lines the process wrote to stderr (its log). */
  output(): string[];
  stop(): Promise<void>;
  /** SIGKILL to its whole group, as a crash or an OOM kill would: no shutdown, connections reset. Resolves once it has exited. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /**
   * Wait until the process is listening and (by default) has "started": its start-up tasks
   * (database, signing key, revocations) are done, as an orchestrator waits for readiness.
   * `'listening'` returns as soon as it listens, for tests of a process whose peers are not up.
   */
  until?: 'listening' | 'started';
  /** How long to wait before stopping the process and failing. Default 90 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before it SIGKILLs. Default 15 s (a shutdown drains requests for up to 10 s). */
  stopGraceMs?: number;
  /** The directory to run it in (a copy of the project). Default: this one. */
  cwd?: string;
  /** Options for node before the entry (e.g. `--cpu-prof`, which NODE_OPTIONS does not take); node entry points only. */
  nodeOptions?: string[];
  /** The Node.js binary of the `node` and `compiled` entry points. Default: `node` on the PATH. */
  node?: string;
  /** Gives up the start: the process is stopped and the start rejects (a sibling's start failed). */
  signal?: AbortSignal;
}

/**
 * Starts the real entry point in a child process on a free port and waits (see StartOptions).
 * If it does not get there, the process is stopped before this rejects: a failed start leaves
 * nothing running.
 */
export async function startProcess(runtime: EntryPoint, env: Record<string, string>, options: StartOptions = {}): Promise<ServerProcess> {
  const { until = 'started', startTimeoutMs = 90_000, stopGraceMs = 15_000, cwd, nodeOptions = [], node = 'node', signal } = options;
  signal?.throwIfAborted();
  const [command, ...args] = commands[runtime];
  if (nodeOptions.length && command !== 'node') throw new Error(`nodeOptions need a node entry point, not ${runtime}`);
  args.unshift(...nodeOptions);
  const started = spawnOwned(command === 'node' ? node : command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_POOL_SIZE: testPoolSize, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd,
  });
  const stop = () => started.stop(stopGraceMs);
  const output: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let giveUp: (() => void) | undefined;
  try {
    const listening = await new Promise<{ port: number; startupMs: number }>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${runtime} did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`)),
        startTimeoutMs,
      );
      let listened: { port: number; startupMs: number } | undefined;
      let ready = until === 'listening';
      createInterface({ input: started.child.stderr! }).on('line', (line) => {
        output.push(line);
        if (output.length > 200) output.shift(); // request logs keep coming; keep the recent ones
        if (line.includes('"msg":"listening"')) listened = JSON.parse(line);
        else if (line.includes('"msg":"started"'))
          ready = true; // may come first: nothing to wait for
        else return;
        if (listened && ready) resolve(listened);
      });
      started.exited.then((code) => reject(new Error(`${runtime} exited with ${code}:\n${output.join('\n')}`)), reject);
      giveUp = () => reject(signal?.reason);
      signal?.addEventListener('abort', giveUp, { once: true });
    });
    const base = `http://127.0.0.1:${listening.port}`;
    return {
      ...listening,
      pid: started.pid,
      exited: started.exited,
      url: base,
      clientIp: '127.0.0.1',
      request: (path, init) => fetch(base + path, init),
      output: () => [...output],
      stop,
      async kill() {
        killGroup(started.pid, 'SIGKILL');
        await started.stop(0);
      },
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
    if (giveUp) signal?.removeEventListener('abort', giveUp);
  }
}

/**
 * Runs the real entry point expecting it to stop by itself (a start it must refuse), and resolves
 * with its exit code and stderr; kills it and rejects if it is still running after `timeoutMs`.
 */
export async function runUntilExit(
  runtime: RuntimeName,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | null; stderr: string }> {
  const [command, ...args] = commands[runtime];
  const started = spawnOwned(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_POOL_SIZE: testPoolSize, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { child } = started;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void started.stop(0);
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
