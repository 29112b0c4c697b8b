/**
 * Ids of revoked sessions, each kept for as long as an access token of that session can still
 * verify (the access-token lifetime). Checking it costs a map lookup: no I/O on the hot path.
 */
export interface RevocationSet {
  add(sessionId: string): void;
  has(sessionId: string): boolean;
  readonly size: number;
}

export function createRevocationSet({ retainMs, now = Date.now }: { retainMs: number; now?: () => number }): RevocationSet {
  const expiresAt = new Map<string, number>();

  // Insertion order is expiry order, so expired entries are always at the front.
  function dropExpired(at: number) {
    for (const [id, until] of expiresAt) {
      if (until > at) break;
      expiresAt.delete(id);
    }
  }

  return {
    add(sessionId) {
      const at = now();
      dropExpired(at);
      expiresAt.delete(sessionId);
      expiresAt.set(sessionId, at + retainMs);
    },
    has(sessionId) {
      const until = expiresAt.get(sessionId);
      return until !== undefined && until > now();
    },
    get size() {
      return expiresAt.size;
    },
  };
}
