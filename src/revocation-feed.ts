import { createRevocationSet, revocationHandlers, type RevocationSet } from '../modules/gateway/mod.ts';
import { subscribeHandlers, UnavailableError, type EventBus, type Subscription } from '../modules/kernel/mod.ts';
import type { SessionApi } from '../modules/session/mod.ts';
import type { Startup } from './startup.ts';

/**
 * The gateway's revocation set: fed by `session.revoked` events and primed from the session
 * store in the background (the session module may start after the gateway). Until it is primed,
 * has() throws UnavailableError, so authenticated requests answer 503: a token of a session
 * revoked before this process started must never pass because its revocation is not known yet.
 */
export function startRevocationFeed({
  bus,
  sessions,
  accessTokenTtlSeconds,
  startup,
}: {
  bus: EventBus;
  sessions: SessionApi;
  accessTokenTtlSeconds: number;
  startup: Startup;
}): { revocations: RevocationSet; subscription: Subscription } {
  const retainMs = accessTokenTtlSeconds * 1000;
  const known = createRevocationSet({ retainMs });
  // A group per instance (fan-out): every gateway instance sees every revocation.
  const subscription = subscribeHandlers(bus, `gateway.${crypto.randomUUID()}`, revocationHandlers(known));
  let primed = false;
  void startup
    .run({
      name: 'revocations',
      pending: 'revoked sessions not loaded yet: waiting for the event bus and the session module',
      async attempt() {
        // Feed first, snapshot second: a revocation between the two is then seen at least once.
        await subscription.ready;
        // Older revocations need no entry: every access token of those sessions has expired.
        const since = new Date(Date.now() - retainMs).toISOString();
        for (const id of await sessions.listRevokedSince(since)) known.add(id);
      },
    })
    .then(() => (primed = true));

  const revocations: RevocationSet = {
    add: (sessionId) => known.add(sessionId),
    has(sessionId) {
      if (!primed) throw new UnavailableError('This gateway is starting: revoked sessions are not loaded yet; try again shortly.');
      return known.has(sessionId);
    },
    get size() {
      return known.size;
    },
  };
  return { revocations, subscription };
}
