import type { Target } from './harness.ts';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A thin JSON client over a Target, with the calls the scenarios repeat. */
export function createClient(target: Target) {
  async function call<T = any>(
    method: string,
    path: string,
    options: { json?: unknown; token?: string; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { 'User-Agent': 'scenario-test/1.0', ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (body !== undefined) {
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await target.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (text && /json/.test(res.headers.get('Content-Type') ?? '')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  let counter = 0;
  const uniqueEmail = () => `user${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
  const password = 'a sturdy passphrase 42';

  return {
    call,
    uniqueEmail,
    password,
    async register(email = uniqueEmail(), pw = password, displayName?: string) {
      const res = await call('POST', '/api/auth/register', { json: { email, password: pw, displayName } });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { email, password: pw, user: res.body.user };
    },
    async login(email: string, pw = password, headers?: Record<string, string>) {
      const res = await call('POST', '/api/auth/login', { json: { email, password: pw }, headers });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as { accessToken: string; refreshToken: string; sessionId: string; expiresIn: number; tokenType: string; user: any };
    },
    async signedUp() {
      const account = await this.register();
      return { ...account, ...(await this.login(account.email)) };
    },
  };
}

export function decodeJwt(token: string): { header: any; payload: any } {
  const [h, p] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(h!), payload: decode(p!) };
}

export type Client = ReturnType<typeof createClient>;
