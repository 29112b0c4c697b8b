import { loadConfig } from '../../config/mod.ts';
import type { Logger } from '../../src/log.ts';
import { createSystem } from '../../src/system.ts';
import { createClient } from './client.ts';

/** A logger keeping every line it is given, as an object, in `lines`. */
export function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const write =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, msg, ...fields });
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  return { logger, lines };
}

/** The address every request of a logging monolith comes from. */
export const loggingClientIp = '203.0.113.7';

/** A monolith (memory storage unless `env` says otherwise) logging into `lines`, its client, and its close. */
export async function loggingMonolith(env: Record<string, string> = {}) {
  const { logger, lines } = capturingLogger();
  const system = await createSystem(loadConfig({ DATABASE_URL: 'memory', ...env }), { clientIp: () => loggingClientIp, logger });
  const api = createClient({
    clientIp: loggingClientIp,
    request: async (path, init) => system.app.request(path, init),
    close: async () => {},
  });
  return { lines, api, request: (path: string) => system.app.request(path), close: () => system.close() };
}
