/** A browser signed in: the token pair of its API session, which never leaves the server. */
export interface SignedInRecord {
  kind: 'signed-in';
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, epoch milliseconds. */
  accessExpiresAt: number;
  /** The session's own anti-forgery token, put in every form it is shown. */
  csrfToken: string;
  /** An authenticator-app secret shown for enrolment and not confirmed yet (the API keeps it pending). */
  totpEnrolment?: { secret: string; otpauthUrl: string };
}

/** A browser between the password and the second factor of a sign-in. */
export interface SecondFactorRecord {
  kind: 'second-factor';
  mfaToken: string;
  methods: string[];
  csrfToken: string;
}

export type WebSessionRecord = SignedInRecord | SecondFactorRecord;

/**
 * Browser sessions on the server, each under the SHA-256 of its cookie's random id (so the store
 * holds nothing a cookie could be rebuilt from). Failures: a store that cannot answer rejects with
 * UnavailableError; nothing is changed then.
 */
export interface WebSessionStore {
  /** The record under `key`, or null when there is none or it expired. */
  get(key: string): Promise<WebSessionRecord | null>;
  /** Stores `record` under `key` for `ttlSeconds`, replacing what was there. */
  set(key: string, record: WebSessionRecord, ttlSeconds: number): Promise<void>;
  /** Removes `key`'s record; no error when there is none. */
  delete(key: string): Promise<void>;
  /**
   * Claims the right to refresh `key`'s tokens for `ttlMs`. Of callers racing for one key, through
   * one store or several over the same storage, exactly one gets true until the claim is released
   * or expires: a refresh token is single use, and a second use revokes the whole session.
   */
  claimRefresh(key: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim up before it expires. */
  releaseRefresh(key: string): Promise<void>;
}

/**
 * The gateway's own app, called in-process: a page is a client of the public API exactly as any
 * other, so it behaves the same in every placement. `env` is the page request's, so the gateway
 * sees the same peer address.
 */
export type GatewayFetch = (request: Request, env: unknown) => Response | Promise<Response>;
