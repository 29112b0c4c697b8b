// Deno 2 entry point: the same system as main.ts, served by Deno.serve.
import { getConnInfo } from 'hono/deno';
import { boot } from './boot.ts';

declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void }, handler: (req: Request, info: unknown) => Response | Promise<Response>): { shutdown(): Promise<void> };
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
  version: { deno: string };
};

const started = performance.now();
const booted = await boot(Deno.env.toObject(), { clientIp: (c) => getConnInfo(c).remote.address, exit: (code) => Deno.exit(code) });
if (!booted) Deno.exit(1);
const { config, logger, system, close } = booted!;

const server = Deno.serve(
  {
    port: config.port,
    hostname: config.host,
    onListen: ({ port }) =>
      logger.info('listening', { runtime: `deno ${Deno.version.deno}`, port, startupMs: Math.round(performance.now() - started) }),
  },
  (req, info) => system.app.fetch(req, info as never),
);

async function shutdown(signal: string) {
  logger.info('shutting down', { signal });
  await server.shutdown();
  await close();
  Deno.exit(0);
}
Deno.addSignalListener('SIGTERM', () => void shutdown('SIGTERM'));
Deno.addSignalListener('SIGINT', () => void shutdown('SIGINT'));
