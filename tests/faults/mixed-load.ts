/**
 * A steady mixed load (register, login, read, refresh, logout) from well-behaved clients, and what
 * they saw: every answer by status and time, and every answer that contradicts an earlier one.
 * A client that gets 503 retries the same request with the same token, as a real one would; so a
 * retry refused as reuse (401), or a registration answered 503 whose retry finds the email taken,
 * means something its caller was told failed happened anyway.
 * A request in flight when the test SIGKILLs the process (`killed()`) is different: it may have
 * committed before its answer died with the process, and no server can tell its client so.
 */
import { expect } from 'vitest';

export type Request = (path: string, init?: RequestInit) => Promise<Response>;

/** Rate limits out of the way of the load, whose clients all come from one address. */
export const unlimitedRates = { RATE_LIMIT_API_PER_MINUTE: '1000000', RATE_LIMIT_AUTH_PER_MINUTE: '1000000' };

export interface LoadReport {
  /** Answers by `operation status`, and transport failures (`operation error`: a connection reset by a killed process). */
  answers: Record<string, number>;
  /** Answers that took longer than the bound. */
  slow: Array<{ operation: string; status: number | 'error'; ms: number }>;
  /** Accounts whose registration answered 201: each must get its `user.registered` audit entry. */
  registered: Array<{ email: string; password: string }>;
  /** A live session refused (401 on a read, a refresh, or the retry of a logout that answered 503). */
  wronglyRevoked: string[];
  /** A registration answered 503 (or cut off) whose retry found the account created. */
  happenedAfterFailure: string[];
  /**
   * A registration or logout in flight at a SIGKILL whose retry found it done (409, 401): it
   * committed and its answer died with the process. Not a refresh: REFRESH_REUSE_GRACE_SECONDS
   * gives its retry the same pair, so a refresh 401 stays a wrongly revoked session.
   */
  doneBeforeKill: string[];
  /** The right password refused as a failed login (429 "failed logins", or 401). */
  wronglyRefused: string[];
}

const password = 'a sturdy passphrase for the fault suite';

/** What the clients read of a JSON answer: a login's or refresh's tokens, a problem's detail. */
interface AnswerBody {
  accessToken: string;
  refreshToken: string;
  detail?: string;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startMixedLoad({ request, clients = 6, slowMs = 2000, pauseMs = 25 }: { request: Request; clients?: number; slowMs?: number; pauseMs?: number }) {
  const report: LoadReport = { answers: {}, slow: [], registered: [], wronglyRevoked: [], happenedAfterFailure: [], doneBeforeKill: [], wronglyRefused: [] };
  let running = true;
  const kills: number[] = [];

  async function send(operation: string, path: string, init: { method: string; json?: unknown; token?: string }) {
    const headers: Record<string, string> = { 'User-Agent': 'fault-suite/1.0' };
    if (init.json !== undefined) headers['Content-Type'] = 'application/json';
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    const started = performance.now();
    let status: number | 'error' = 'error';
    let body: AnswerBody | null = null;
    let retryAfter = 0;
    try {
      const res = await request(path, { method: init.method, headers, body: init.json === undefined ? undefined : JSON.stringify(init.json), signal: AbortSignal.timeout(10_000) });
      status = res.status;
      retryAfter = Number(res.headers.get('Retry-After') ?? 0);
      const text = await res.text();
      body = text && /json/.test(res.headers.get('Content-Type') ?? '') ? (JSON.parse(text) as AnswerBody) : null;
    } catch {
      // A reset connection (a killed process) or our own 10 s bound: no answer.
    }
    const ms = performance.now() - started;
    // A real client waits as it is told before it retries (503 and 429 carry Retry-After).
    if (status === 503 || status === 'error') await sleep(Math.min(retryAfter || 1, 2) * 1000);
    const key = `${operation} ${status}`;
    report.answers[key] = (report.answers[key] ?? 0) + 1;
    if (ms > slowMs) report.slow.push({ operation, status, ms: Math.round(ms) });
    const inFlightAtKill = status === 'error' && kills.some((at) => at >= started && at <= started + ms);
    return { status, body, retryAfter, inFlightAtKill };
  }

  async function client(id: number) {
    let serial = 0;
    const newEmail = () => `fault${id}x${serial++}x${crypto.randomUUID().slice(0, 8)}@example.com`;
    let email = newEmail();
    let registered = false;
    let failedBefore = false; // the current request was answered 503 (or cut off) before: this is its retry
    let killedBefore = false; // ... and one of its tries was in flight at a SIGKILL
    let loggingOut = false; // the last logout got no answer: retry it before anything else
    let tokens: { accessToken: string; refreshToken: string } | null = null;
    let cycle = 0;
    const unavailable = (status: number | 'error') => status === 503 || status === 'error';

    while (running) {
      await sleep(pauseMs);
      if (!registered) {
        const { status, inFlightAtKill } = await send('register', '/api/auth/register', { method: 'POST', json: { email, password } });
        if (status === 201) {
          registered = true;
          report.registered.push({ email, password });
        } else if (status === 409 && failedBefore) {
          (killedBefore ? report.doneBeforeKill : report.happenedAfterFailure).push(`${email}: register`);
          registered = true;
          report.registered.push({ email, password });
        }
        failedBefore = unavailable(status);
        killedBefore = failedBefore && (killedBefore || inFlightAtKill);
        continue;
      }
      if (!tokens) {
        const { status, body, retryAfter } = await send('login', '/api/auth/login', { method: 'POST', json: { email, password } });
        if (status === 200) tokens = { accessToken: body!.accessToken, refreshToken: body!.refreshToken };
        else if (status === 401 || (status === 429 && /failed logins/.test(body?.detail ?? ''))) report.wronglyRefused.push(`${email}: login ${status}`);
        if (status === 429) await sleep(Math.min(retryAfter, 2) * 1000);
        continue;
      }
      // A logout that got no answer is retried before anything else: the session may be over.
      if (!loggingOut) cycle++;
      loggingOut ||= cycle % 7 === 0;
      if (loggingOut) {
        // Logout, retried with the same token while it answers 503; then a new account.
        const { status, inFlightAtKill } = await send('logout', '/api/auth/logout', { method: 'POST', token: tokens.accessToken });
        if (status === 401 && killedBefore) report.doneBeforeKill.push(`${email}: logout`);
        else if (status === 401) report.wronglyRevoked.push(`${email}: logout 401${failedBefore ? ' on the retry of a 503' : ''}`);
        failedBefore = unavailable(status);
        killedBefore = failedBefore && (killedBefore || inFlightAtKill);
        loggingOut = failedBefore;
        if (!failedBefore) {
          tokens = null;
          registered = false;
          email = newEmail();
        }
        continue;
      }
      if (cycle % 2 === 0) {
        const { status } = await send('read', '/api/users/me', { method: 'GET', token: tokens.accessToken });
        if (status === 401) {
          report.wronglyRevoked.push(`${email}: read 401`);
          tokens = null;
        }
        continue;
      }
      const { status, body, inFlightAtKill } = await send('refresh', '/api/auth/refresh', { method: 'POST', json: { refreshToken: tokens.refreshToken } });
      if (status === 200) tokens = { accessToken: body!.accessToken, refreshToken: body!.refreshToken };
      else if (status === 401) {
        report.wronglyRevoked.push(`${email}: refresh 401${failedBefore ? ' on the retry of a 503' : ''}${killedBefore ? ' cut off by a SIGKILL' : ''}`);
        tokens = null;
      }
      failedBefore = unavailable(status);
      killedBefore = failedBefore && (killedBefore || inFlightAtKill);
    }
  }

  const all = Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  return {
    report,
    /** Call just before SIGKILLing the server: requests in flight now may have committed unanswered. */
    killed() {
      kills.push(performance.now());
    },
    /** Stops every client after its request in flight, and returns what they saw. */
    async stop(): Promise<LoadReport> {
      running = false;
      await all;
      return report;
    },
  };
}

/** Polls `/health/ready` until it answers 200; returns how long that took. */
export async function timeToReady(request: Request, withinMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < withinMs) {
    const status = await request('/health/ready', { signal: AbortSignal.timeout(2000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return Math.round(performance.now() - started);
    await sleep(50);
  }
  throw new Error(`not ready within ${withinMs} ms`);
}

/**
 * Accounts whose `user.registered` entry is missing from their own security activity: logs in as
 * each (retrying while the system settles) and reads it, waiting up to `withinMs` for stragglers.
 */
export async function missingRegisteredEvents(request: Request, accounts: LoadReport['registered'], withinMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  const missing: string[] = [];
  for (const { email, password: pw } of accounts) {
    let found = false;
    while (!found && Date.now() < deadline) {
      const login = await request('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: pw }) });
      if (login.status !== 200) {
        await login.body?.cancel();
        await sleep(100);
        continue;
      }
      const { accessToken } = await login.json();
      const audit = await request('/api/audit/me?limit=200', { headers: { Authorization: `Bearer ${accessToken}` } });
      const events = audit.status === 200 ? ((await audit.json()).events as Array<{ type: string }>) : [];
      found = events.some((e) => e.type === 'user.registered');
      if (!found) await sleep(100);
    }
    if (!found) missing.push(email);
  }
  return missing;
}

/** Answers that say the server failed, `operation status` (503 says "unavailable, retry": allowed). */
export function serverErrors(report: LoadReport): string[] {
  return Object.keys(report.answers).filter((key) => /\s5\d\d$/.test(key) && !key.endsWith(' 503'));
}

/** The report as a table, one line per operation and status. */
export function formatReport(title: string, report: LoadReport, extra: Record<string, unknown> = {}): string {
  const rows = Object.entries(report.answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `  ${key.padEnd(20)} ${count}`);
  const facts = {
    'answers over 2 s': report.slow.length,
    'server errors (5xx but 503)': serverErrors(report).length,
    'registered accounts': report.registered.length,
    'sessions revoked that should not be': report.wronglyRevoked.length,
    'failed requests that happened later': report.happenedAfterFailure.length,
    'cut off by a SIGKILL after commit (retry found it done)': report.doneBeforeKill.length,
    'right password refused': report.wronglyRefused.length,
    ...extra,
  };
  return [`${title}`, ...rows, ...Object.entries(facts).map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)].join('\n');
}

/**
 * Stops the load, prints its report under `title` (with `extra` facts, such as times to ready) and
 * asserts what every client is owed through any fault: no answer over the bound, no 5xx but 503,
 * no lost event, no live session revoked, nothing answered as failed that happened later, no right
 * password refused, and every operation served.
 */
export async function expectLoadUnharmed(title: string, load: { stop(): Promise<LoadReport> }, request: Request, extra: Record<string, unknown> = {}): Promise<void> {
  const report = await load.stop();
  const lost = await missingRegisteredEvents(request, report.registered);
  console.info(formatReport(title, report, { 'events lost': lost.length, ...extra }));

  expect(report.slow).toEqual([]);
  expect(serverErrors(report)).toEqual([]);
  expect(lost).toEqual([]);
  expect(report.wronglyRevoked).toEqual([]);
  expect(report.happenedAfterFailure).toEqual([]);
  expect(report.wronglyRefused).toEqual([]);
  for (const operation of ['register 201', 'login 200', 'read 200', 'refresh 200', 'logout 204']) expect(report.answers[operation]).toBeGreaterThan(0);
}
