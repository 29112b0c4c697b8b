import type { SessionRepository } from '../modules/session/mod.ts';
import type { Logger } from './log.ts';

export interface MaintenanceOptions {
  sessions: SessionRepository;
  logger: Logger;
  /** How often to sweep. */
  intervalMs?: number;
  /** Ended sessions (and their rotated-token hashes) are kept this long, then deleted. */
  keepEndedMs?: number;
}

/**
 * Deletes sessions that ended long ago, so the session store does not grow without bound (Redis
 * keys expire by themselves; SQL rows need this). Returns a stop function.
 */
export function startMaintenance({
  sessions,
  logger,
  intervalMs = 60 * 60 * 1000,
  keepEndedMs = 24 * 60 * 60 * 1000,
}: MaintenanceOptions): () => void {
  const timer = setInterval(async () => {
    try {
      const purged = await sessions.purgeEnded(new Date(Date.now() - keepEndedMs));
      if (purged > 0) logger.info('purged ended sessions', { purged });
    } catch (error) {
      logger.warn('session purge failed; will retry', { error });
    }
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
