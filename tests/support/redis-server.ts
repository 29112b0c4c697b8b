import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server of a test's own, which it may stall, kill and restart (the shared one must not). */
export interface OwnRedis {
  url: string;
  /** SIGSTOP: the server keeps its connections but answers nothing, as a stalled host would. */
  pause(): void;
  /** SIGCONT: it reads what arrived meanwhile, and runs it. */
  resume(): void;
  /** SIGKILL: gone at once, connections reset. */
  crash(): Promise<void>;
  /** A new server on the same port and directory (with `durable`, the data survives a crash). */
  restart(): void;
  crashAndRestart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free loopback port. `durable` fsyncs every write to an append-only
 * file, so a crash loses nothing acknowledged; otherwise it keeps nothing on disk. The server is
 * killed when this process exits, even if the test never calls stop(). Resolves once it accepts
 * connections, so a client made next is not refused.
 */
export async function startOwnRedis({ durable = false }: { durable?: boolean } = {}): Promise<OwnRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'own-redis-'));
  const port = await freePort();
  const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir];
  const start = () => spawn('redis-server', args, { stdio: 'ignore' });
  let child: ChildProcess = start();
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once('exit', resolve));
  const kill = async () => {
    child.kill('SIGCONT'); // a stopped process takes SIGKILL too, but say it plainly
    child.kill('SIGKILL');
    await exited(child);
  };
  try {
    await acceptsConnections(port);
  } catch (error) {
    await kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    crash: kill,
    restart() {
      child = start();
    },
    async crashAndRestart() {
      await kill();
      child = start();
    },
    async stop() {
      await kill();
      process.off('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/** `count` distinct ports free on 127.0.0.1 now: held all at once while they are picked, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve, reject) => {
            server.once('error', reject);
            server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
          }),
      ),
    );
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function acceptsConnections(port: number, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not accept connections within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
