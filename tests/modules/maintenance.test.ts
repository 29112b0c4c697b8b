import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryOutbox } from '../../adapters/memory/outbox.ts';
import { createMemorySessionRepository } from '../../adapters/memory/session-repository.ts';
import { createSessionService } from '../../modules/session/mod.ts';
import { createLogger } from '../../src/log.ts';
import { startMaintenance } from '../../src/maintenance.ts';

afterEach(() => vi.useRealTimers());

describe('maintenance', () => {
  it('purges sessions that ended longer ago than the retention, and keeps the others', async () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const repository = createMemorySessionRepository({ outbox: createMemoryOutbox() });
    const sessions = createSessionService({ sessions: repository, refreshTtlSeconds: 3600, maxAgeSeconds: 86_400, reuseGraceSeconds: 0 });
    const ended = await sessions.create({ userId: 'u1' });
    await sessions.revoke({ userId: 'u1', sessionId: ended.session.id, reason: 'logout' });
    const active = await sessions.create({ userId: 'u1' });
    const stop = startMaintenance({
      sessions: repository,
      logger: createLogger({ level: 'silent', service: 'test' }),
      intervalMs: 60_000,
      keepEndedMs: 30_000,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    stop();
    expect(await repository.findById(ended.session.id)).toBeNull();
    expect(await repository.findById(active.session.id)).not.toBeNull();
  });
});
