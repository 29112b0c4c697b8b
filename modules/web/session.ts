import { Buffer } from 'node:buffer';
import type { Context } from 'hono';
import { randomSecret, sha256Hex } from '../kernel/mod.ts';
import type { ApiAnswer, CallApi } from './api.ts';
import type { CookieJar } from './cookie.ts';
import type { SecondFactorRecord, SignedInRecord, WebSessionRecord, WebSessionStore } from './ports.ts';

/** The login answer of the API (200), the part a browser session keeps. */
export interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** The browser behind a page request: signed in, half-way through a second factor, or neither. */
export interface Visit {
  signedIn: SignedInRecord | null;
  secondFactor: SecondFactorRecord | null;
  /** What this browser's forms must send back (see csrf.ts). */
  csrfToken: string;
  /** The roles of the signed-in account (its access token's `roles` claim). */
  roles: readonly string[];
}

/** Thrown when the API no longer accepts the browser's session: the page answers with the sign-in page. */
export class SignedOutError extends Error {
  constructor() {
    super('the session has ended');
  }
}

/** Refreshed this long before the access token expires, so a page's API calls never carry one about to. */
const refreshMarginMs = 30_000;
/** How long one refresh may hold its claim; another waiter gives up after it. */
const refreshClaimMs = 10_000;

export const sessionCookie = 'session';
export const csrfCookie = 'csrf';

/** The claims of an access token this server issued; it was verified when issued, only read here. */
function rolesOf(accessToken: string): string[] {
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Browser sessions: an HttpOnly cookie holding a random id; the token pair it stands for stays in
 * `store`, under the id's hash. The access token is refreshed on the server shortly before it
 * expires. Refresh tokens are single use and a reused one revokes the session, so two page loads
 * of one browser must never both refresh: one refresh per session runs at a time in this process
 * (later callers share its result), and the store's claim keeps other processes out; a caller that
 * loses the claim waits for the winner's new pair.
 */
export function createBrowserSessions({
  store,
  callApi,
  cookies,
  ttlSeconds,
  now = () => Date.now(),
}: {
  store: WebSessionStore;
  callApi: CallApi;
  cookies: CookieJar;
  /** How long a signed-in record lives unused: the API's refresh-token lifetime. */
  ttlSeconds: number;
  now?: () => number;
}) {
  const refreshing = new Map<string, Promise<SignedInRecord | null>>();
  const keyOf = (c: Context) => {
    const id = cookies.read(c, sessionCookie);
    return id ? sha256Hex(id) : null;
  };

  async function refresh(c: Context, key: string, stale: SignedInRecord): Promise<SignedInRecord | null> {
    if (!(await store.claimRefresh(key, refreshClaimMs))) return awaitOtherRefresh(key, stale);
    try {
      // Refreshed elsewhere between our read and the claim: the new pair is already stored.
      const current = await store.get(key);
      if (current?.kind !== 'signed-in') return null;
      if (current.refreshToken !== stale.refreshToken) return current;
      const answer = await callApi<TokenAnswer>(c, 'POST', '/api/auth/refresh', { json: { refreshToken: current.refreshToken } });
      if (answer.status === 401) {
        await store.delete(key);
        return null;
      }
      if (answer.status !== 200) throw new Error(`refresh answered ${answer.status}`);
      const next: SignedInRecord = { ...current, ...tokensOf(answer.body) };
      await store.set(key, next, ttlSeconds);
      return next;
    } finally {
      await store.releaseRefresh(key);
    }
  }

  async function awaitOtherRefresh(key: string, stale: SignedInRecord): Promise<SignedInRecord | null> {
    for (const deadline = now() + refreshClaimMs; now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const current = await store.get(key);
      if (current?.kind !== 'signed-in') return null;
      if (current.refreshToken !== stale.refreshToken) return current;
    }
    throw new Error('a refresh by another request did not finish in time');
  }

  function fresh(c: Context, key: string, record: SignedInRecord): Promise<SignedInRecord | null> | SignedInRecord {
    if (record.accessExpiresAt - now() > refreshMarginMs) return record;
    let pending = refreshing.get(key);
    if (!pending) {
      pending = refresh(c, key, record).finally(() => refreshing.delete(key));
      refreshing.set(key, pending);
    }
    return pending;
  }

  const tokensOf = (answer: TokenAnswer) => ({
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken,
    accessExpiresAt: now() + answer.expiresIn * 1000,
  });

  /** A new record under a new id: never the id of a session before it (no fixation). */
  async function start(c: Context, record: WebSessionRecord, ttl: number) {
    await end(c);
    const id = randomSecret();
    await store.set(sha256Hex(id), record, ttl);
    cookies.write(c, sessionCookie, id);
  }

  /** Ends the browser's session here (the API's is the caller's business) and removes its cookie. */
  async function end(c: Context) {
    const key = keyOf(c);
    if (!key) return;
    await store.delete(key);
    cookies.write(c, sessionCookie, '', 0);
  }

  return {
    /** Who is behind the request; refreshes its tokens first when they are about to expire. */
    async visit(c: Context): Promise<Visit> {
      const key = keyOf(c);
      const record = key ? await store.get(key) : null;
      if (key && record?.kind === 'signed-in') {
        const signedIn = await fresh(c, key, record);
        if (signedIn) return { signedIn, secondFactor: null, csrfToken: signedIn.csrfToken, roles: rolesOf(signedIn.accessToken) };
        cookies.write(c, sessionCookie, '', 0);
      }
      if (record?.kind === 'second-factor') return { signedIn: null, secondFactor: record, csrfToken: record.csrfToken, roles: [] };
      // Anonymous forms: the token is a random value in a cookie of its own, sent back in the form.
      let csrfToken = cookies.read(c, csrfCookie);
      if (!csrfToken) {
        csrfToken = randomSecret();
        cookies.write(c, csrfCookie, csrfToken);
      }
      return { signedIn: null, secondFactor: null, csrfToken, roles: [] };
    },
    signIn: (c: Context, answer: TokenAnswer) =>
      start(c, { kind: 'signed-in', ...tokensOf(answer), csrfToken: randomSecret() }, ttlSeconds),
    awaitSecondFactor: (c: Context, { mfaToken, methods, expiresIn }: { mfaToken: string; methods: string[]; expiresIn: number }) =>
      start(c, { kind: 'second-factor', mfaToken, methods, csrfToken: randomSecret() }, expiresIn),
    end,
    /** Replaces the signed-in record's extra state (a pending enrolment). */
    async update(c: Context, record: SignedInRecord) {
      const key = keyOf(c);
      if (key) await store.set(key, record, ttlSeconds);
    },
    /**
     * Calls the API as the signed-in browser. A 401 means the API session is over (signed out
     * elsewhere, revoked, disabled): the browser's ends too, and SignedOutError takes it to sign-in.
     */
    async callAs<Body = Record<string, unknown>>(
      c: Context,
      visit: Visit,
      method: string,
      path: string,
      json?: unknown,
    ): Promise<ApiAnswer<Body>> {
      if (!visit.signedIn) throw new SignedOutError();
      const answer = await callApi<Body>(c, method, path, { json, token: visit.signedIn.accessToken });
      if (answer.status === 401 && (answer.body as { code?: string } | null)?.code === 'unauthenticated') {
        await end(c);
        throw new SignedOutError();
      }
      return answer;
    },
  };
}

export type BrowserSessions = ReturnType<typeof createBrowserSessions>;
