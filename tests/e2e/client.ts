import type { ClientResponse } from 'hono/client';
import { createApiClient } from '../../src/api-client.ts';
import type { Target } from './harness.ts';

/** What a raw `call` read: its body is whatever the caller says it expects (unknown unless told). */
export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A problem+json body as raw calls read it; `errors` names the fields a 400 refused. */
export interface ProblemBody {
  status: number;
  code: string;
  errors: Array<{ path: string; message: string }>;
}

/** Every field any answer of a route may carry, typed as the contract types it: check the status first. */
type Fields<Answer> = {
  [Key in Answer extends unknown ? keyof Answer : never]: Answer extends unknown
    ? Key extends keyof Answer
      ? Required<Answer>[Key]
      : never
    : never;
};
type BodyOf<Res> = Fields<Res extends ClientResponse<infer Answer, number, string> ? Answer : never>;

async function parsed(res: { text(): Promise<string>; headers: Headers }): Promise<unknown> {
  const text = await res.text();
  return text && /json/.test(res.headers.get('Content-Type') ?? '') ? JSON.parse(text) : text;
}

/** Awaits a typed-client call and reads its answer: status, headers and the body as the contract types it. */
export async function read<Res extends ClientResponse<unknown, number, string>>(pending: Promise<Res>) {
  const res = await pending;
  return { status: res.status as Res['status'], headers: res.headers, body: (await parsed(res)) as BodyOf<Res> };
}

/** Options of a typed-client call that presents an access token. */
export const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/**
 * A client over a Target: the typed public API (ordinary calls, so a contract drift is a compile
 * error), a raw `call` for the malformed bodies and odd requests the contract must survive, and
 * the calls the scenarios repeat.
 */
export function createClient(target: Target) {
  const userAgent = 'scenario-test/1.0';

  async function call<T = unknown>(
    method: string,
    path: string,
    options: { json?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { 'User-Agent': userAgent, ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await target.request(path, { method, headers, body });
    return { status: res.status, headers: res.headers, body: (await parsed(res)) as T };
  }

  const typed = createApiClient('http://gateway', {
    headers: { 'User-Agent': userAgent },
    async fetch(input: RequestInfo | URL, init?: RequestInit) {
      const url = new URL(input instanceof Request ? input.url : input);
      const res = await target.request(`${url.pathname}${url.search}`, init);
      // Read the body now: a scenario that checks only the status leaves no connection open.
      const body = await res.arrayBuffer();
      return new Response(body.byteLength ? body : null, { status: res.status, statusText: res.statusText, headers: res.headers });
    },
  });

  let counter = 0;
  const uniqueEmail = () =>
    `user${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
  const password = 'a sturdy passphrase 42';

  async function register(email = uniqueEmail(), pw = password, displayName?: string) {
    const res = await read(typed.api.auth.register.$post({ json: { email, password: pw, displayName } }));
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { email, password: pw, user: res.body.user };
  }

  async function login(email: string, pw = password, headers?: Record<string, string>) {
    const res = await read(typed.api.auth.login.$post({ json: { email, password: pw } }, headers && { headers }));
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    const { accessToken, refreshToken, tokenType, expiresIn, sessionId, user } = res.body;
    return { accessToken, refreshToken, tokenType, expiresIn, sessionId, user };
  }

  return {
    // The route groups one by one: hc's client is a proxy, which spreads to nothing.
    auth: typed.api.auth,
    users: typed.api.users,
    sessions: typed.api.sessions,
    audit: typed.api.audit,
    admin: typed.api.admin,
    wellKnown: typed['.well-known'],
    call,
    uniqueEmail,
    password,
    register,
    login,
    async signedUp() {
      const account = await register();
      return { ...account, ...(await login(account.email)) };
    },
  };
}

/** The parts of an access token the scenarios check. */
export interface DecodedAccessToken {
  header: { alg: string; typ: string; kid: string };
  payload: { sub: string; sid: string; iss: string; aud: string; jti: string; iat: number; exp: number; roles: string[]; amr: string[] };
}

/** Decodes (does not verify) an access token. */
export function decodeJwt(token: string): DecodedAccessToken {
  const [h, p] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(h!), payload: decode(p!) };
}

export type Client = ReturnType<typeof createClient>;
