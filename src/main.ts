import { getConnInfo } from '@hono/node-server/conninfo';
import { securityHeaders } from '../modules/gateway/mod.ts';
import { boot } from './boot.ts';
import { startNodeServer } from './node-server.ts';

// The one entry point of both runtimes: Deno 2 runs it with its node:http (an llhttp parser, as
// Node's), because Deno.serve answers what it cannot parse itself, with a bare status and no hook.
const runtime = process.versions.deno ? `deno ${process.versions.deno}` : `node ${process.version}`;
const started = performance.now();
const booted = await boot(process.env, { clientIp: (c) => getConnInfo(c).remote.address, exit: (code) => process.exit(code) });
if (!booted) process.exit(1);
const { config, logger, system, close } = booted;

const server = startNodeServer({
  fetch: system.app.fetch,
  port: config.port,
  host: config.host,
  requestTimeoutMs: config.requestTimeoutMs,
  securityHeaders,
  logger,
  onListen: (port) => logger.info('listening', { runtime, port, startupMs: Math.round(performance.now() - started) }),
});

async function shutdown(signal: string) {
  const graceMs = config.shutdownGraceMs;
  logger.info('shutting down', { signal, graceMs });
  // Finish requests in flight (a rolling deploy), but not past SHUTDOWN_GRACE_MS: the orchestrator
  // kills the process some time after its signal, and the stores must be closed before that.
  const expired = new Promise<'expired'>((resolve) => setTimeout(resolve, graceMs, 'expired').unref());
  if ((await Promise.race([server.close(), expired])) === 'expired') {
    logger.warn('requests still in flight after SHUTDOWN_GRACE_MS; closing the stores under them', { graceMs });
  }
  // Event handlers in flight finish, then connections and pools close.
  await close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
