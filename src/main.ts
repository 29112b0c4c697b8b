import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { boot } from './boot.ts';

const started = performance.now();
const booted = await boot(process.env, { clientIp: (c) => getConnInfo(c).remote.address });
if (!booted) process.exit(1);
const { config, logger, system, close } = booted;

const server = serve({ fetch: system.app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info('listening', { runtime: `node ${process.version}`, port: info.port, startupMs: Math.round(performance.now() - started) });
});

async function shutdown(signal: string) {
  logger.info('shutting down', { signal });
  // Finish requests in flight (a rolling deploy), but not forever.
  await Promise.race([new Promise((resolve) => server.close(resolve)), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
  await close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
