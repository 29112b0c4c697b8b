import type { Config } from '../config/mod.ts';
import type { Logger } from './log.ts';
import { createStartup } from './startup.ts';
import { createStorage, type Storage } from './storage.ts';

/**
 * Opens the stores of `config` for a command (`npm run keys`, the migration), runs `use`, closes
 * them. A command, not a server: the database must answer within `timeoutMs` or the command fails,
 * where a service would go on waiting (not ready) for it. Migrations run on opening, as they do at
 * a server's start.
 */
export async function withStorage<T>(
  config: Config,
  { logger, timeoutMs }: { logger: Logger; timeoutMs: number },
  use: (storage: Storage) => Promise<T>,
): Promise<T> {
  const startup = createStartup({ logger, checks: {} });
  const storage = await createStorage(config, { startup, logger });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      startup.started(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`DATABASE_URL did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    return await use(storage);
  } finally {
    clearTimeout(timer);
    startup.close();
    await storage.close();
  }
}
