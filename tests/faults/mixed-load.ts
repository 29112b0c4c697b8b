/**
 * A steady mixed load (register, login, read, refresh, logout) from well-behaved clients, and what
 * they saw: every answer by status and time, and every answer that contradicts an earlier one.
 * A client that gets 503 retries the same request with the same token, as a real one would; so a
 * retry refused as reuse (401), or a registration answered 503 whose retry finds the email taken,
 * means something its caller was told failed happened anyway. Unless its answer was lost: a
 * request that got no answer, or was in flight when a fault that loses answers struck (see
 * answersMayBeLost), may have been carried out; a registration or logout whose retry then finds it
 * done is such a lost answer, not a failure that happened later. A refresh has no such excuse: a
 * lost rotation's retry is what REFRESH_REUSE_GRACE_SECONDS is for.
 */
export type Request = (path: string, init?: RequestInit) => Promise<Response>;

/** Rate limits no test load reaches: the suites measure faults, not the limiter. */
export const unlimitedRates = { RATE_LIMIT_API_PER_MINUTE: '1000000', RATE_LIMIT_AUTH_PER_MINUTE: '1000000' };

export interface LoadReport {
  /** Answers by `operation status`, and transport failures (`operation error`: a connection reset by a killed process). */
  answers: Record<string, number>;
  /** Answers that took longer than the bound. */
  slow: Array<{ operation: string; status: number | 'error'; ms: number }>;
  /** The longest any answer took, in ms: how close the load came to the bound. */
  slowestMs: number;
  /** Accounts whose registration answered 201: each must get its `user.registered` audit entry. */
  registered: Array<{ email: string; password: string }>;
  /** A live session refused: 401 on a read, a refresh, or the retry of a logout refused with 503. */
  wronglyRevoked: string[];
  /** A registration answered 503 whose retry found the account created. */
  happenedAfterFailure: string[];
  /** A registration or logout whose answer was lost (see above) and whose retry found it done. */
  lostAnswers: string[];
  /** The right password refused as a failed login (429 "failed logins", or 401). */
  wronglyRefused: string[];
}

const password = 'a sturdy passphrase for the fault suite';
/** How a request failed: refused (503) by a process that lives on, or its answer lost, so it may have been carried out. */
type Failure = 'refused' | 'answer lost' | null;
/** How a request has failed so far, `now` its latest attempt: once an answer was lost, any attempt may have done it. */
const retried = (before: Failure, now: Failure): Failure => now && (before === 'answer lost' ? before : now);
/** What the clients read of a JSON answer: a login's or refresh's tokens, a problem's detail. */
interface AnswerBody {
  accessToken: string;
  refreshToken: string;
  detail?: string;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startMixedLoad({
  request,
  clients = 6,
  slowMs = 2000,
  pauseMs = 25,
}: {
  request: Request;
  clients?: number;
  slowMs?: number;
  pauseMs?: number;
}) {
  const report: LoadReport = {
    answers: {},
    slow: [],
    slowestMs: 0,
    registered: [],
    wronglyRevoked: [],
    happenedAfterFailure: [],
    lostAnswers: [],
    wronglyRefused: [],
  };
  let running = true;
  const answersLostAt: number[] = [];

  async function send(operation: string, path: string, init: { method: string; json?: unknown; token?: string }) {
    const headers: Record<string, string> = { 'User-Agent': 'fault-suite/1.0' };
    if (init.json !== undefined) headers['Content-Type'] = 'application/json';
    if (init.token) headers.Authorization = `Bearer ${init.token}`;
    const started = performance.now();
    let status: number | 'error' = 'error';
    let body: AnswerBody | null = null;
    let retryAfter = 0;
    try {
      const res = await request(path, {
        method: init.method,
        headers,
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      retryAfter = Number(res.headers.get('Retry-After') ?? 0);
      const text = await res.text();
      body = text && /json/.test(res.headers.get('Content-Type') ?? '') ? (JSON.parse(text) as AnswerBody) : null;
    } catch {
      // A reset connection (a killed process) or our own 10 s bound: no answer.
    }
    const ms = performance.now() - started;
    // Refused for sure (503 from a process that lives on), or maybe done with the answer lost.
    const failure: Failure =
      status === 'error' || (status === 503 && answersLostAt.some((at) => at >= started))
        ? 'answer lost'
        : status === 503
          ? 'refused'
          : null;
    // A real client waits as it is told before it retries (503 and 429 carry Retry-After).
    if (failure) await sleep(Math.min(retryAfter || 1, 2) * 1000);
    const key = `${operation} ${status}`;
    report.answers[key] = (report.answers[key] ?? 0) + 1;
    if (ms > slowMs) report.slow.push({ operation, status, ms: Math.round(ms) });
    report.slowestMs = Math.max(report.slowestMs, Math.round(ms));
    return { status, body, retryAfter, failure };
  }

  async function client(id: number) {
    let serial = 0;
    const newEmail = () => `fault${id}x${serial++}x${crypto.randomUUID().slice(0, 8)}@example.com`;
    let email = newEmail();
    let registered = false;
    // How the last request of each kind failed, if it did: the next one of that kind is its retry.
    const failedBefore: Record<'register' | 'refresh' | 'logout', Failure> = { register: null, refresh: null, logout: null };
    let tokens: { accessToken: string; refreshToken: string } | null = null;
    let cycle = 0;
    const retryOf = (failure: Failure) =>
      failure === 'refused'
        ? ' on the retry of a 503'
        : failure === 'answer lost'
          ? ' on the retry of a request whose answer was lost'
          : '';

    while (running) {
      await sleep(pauseMs);
      if (!registered) {
        const { status, failure } = await send('register', '/api/auth/register', { method: 'POST', json: { email, password } });
        const before = failedBefore.register;
        if (status === 201) {
          registered = true;
          report.registered.push({ email, password });
        } else if (status === 409 && before) {
          (before === 'refused' ? report.happenedAfterFailure : report.lostAnswers).push(`${email}: register 409${retryOf(before)}`);
          registered = true;
          report.registered.push({ email, password });
        }
        failedBefore.register = retried(before, failure);
        continue;
      }
      if (!tokens) {
        const { status, body, retryAfter } = await send('login', '/api/auth/login', { method: 'POST', json: { email, password } });
        if (status === 200) {
          tokens = { accessToken: body!.accessToken, refreshToken: body!.refreshToken };
          failedBefore.refresh = null;
        } else if (status === 401 || (status === 429 && /failed logins/.test(body?.detail ?? '')))
          report.wronglyRefused.push(`${email}: login ${status}`);
        if (status === 429) await sleep(Math.min(retryAfter, 2) * 1000);
        continue;
      }
      // A failed logout is retried before anything else, as its session may be over already.
      if (!failedBefore.logout) cycle++;
      if (cycle % 7 === 0) {
        // Logout, retried with the same token while it fails; then a new account.
        const { status, failure } = await send('logout', '/api/auth/logout', { method: 'POST', token: tokens.accessToken });
        const before = failedBefore.logout;
        if (status === 401)
          (before === 'answer lost' ? report.lostAnswers : report.wronglyRevoked).push(`${email}: logout 401${retryOf(before)}`);
        failedBefore.logout = retried(before, failure);
        if (!failedBefore.logout) {
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
      const { status, body, failure } = await send('refresh', '/api/auth/refresh', {
        method: 'POST',
        json: { refreshToken: tokens.refreshToken },
      });
      if (status === 200) tokens = { accessToken: body!.accessToken, refreshToken: body!.refreshToken };
      else if (status === 401) {
        report.wronglyRevoked.push(`${email}: refresh 401${retryOf(failedBefore.refresh)}`);
        tokens = null;
      }
      failedBefore.refresh = retried(failedBefore.refresh, failure);
    }
  }

  const all = Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  return {
    report,
    /** Call just before a fault that can lose answers strikes (see Fault.losesAnswers): requests in flight then may be done unanswered. */
    answersMayBeLost() {
      answersLostAt.push(performance.now());
    },
    /** Stops every client after its request in flight, and returns what they saw. */
    async stop(): Promise<LoadReport> {
      running = false;
      await all;
      return report;
    },
  };
}

/**
 * Accounts whose `user.registered` entry is missing from their own security activity: logs in as
 * each (retrying while the system settles; a few at a time) and reads it, then waits up to
 * `withinMs` more for stragglers, reading their logs again.
 */
export async function missingRegisteredEvents(request: Request, accounts: LoadReport['registered'], withinMs = 10_000): Promise<string[]> {
  const json = { 'Content-Type': 'application/json' };
  async function logIn({ email, password: pw }: LoadReport['registered'][number], until: number): Promise<string | null> {
    while (performance.now() < until) {
      const login = await request('/api/auth/login', { method: 'POST', headers: json, body: JSON.stringify({ email, password: pw }) });
      if (login.status === 200) return ((await login.json()) as { accessToken: string }).accessToken;
      await login.body?.cancel();
      await sleep(100);
    }
    return null;
  }
  async function hasRegisteredEvent(accessToken: string) {
    const audit = await request('/api/audit/me?limit=200', { headers: { Authorization: `Bearer ${accessToken}` } });
    if (audit.status !== 200) {
      await audit.body?.cancel();
      return false;
    }
    return ((await audit.json()).events as Array<{ type: string }>).some((e) => e.type === 'user.registered');
  }

  type Check = { account: LoadReport['registered'][number]; token: string | null };
  let missing: Check[] = [];
  const queue = [...accounts];
  const firstDeadline = performance.now() + withinMs;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let account = queue.shift(); account; account = queue.shift()) {
        const token = await logIn(account, firstDeadline);
        if (!token || !(await hasRegisteredEvent(token))) missing.push({ account, token });
      }
    }),
  );
  // Reading every log once takes a while of its own: the wait for stragglers starts after it.
  const deadline = performance.now() + withinMs;
  while (missing.length > 0 && performance.now() < deadline) {
    await sleep(200);
    const still: Check[] = [];
    for (const check of missing) {
      check.token ??= await logIn(check.account, deadline);
      if (!check.token || !(await hasRegisteredEvent(check.token))) still.push(check);
    }
    missing = still;
  }
  return missing.map(({ account }) => account.email);
}

/** Answers by operation and status that are a 5xx but 503: a server fault, never an outage's answer. */
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
    'slowest answer (ms)': report.slowestMs,
    'server errors (5xx but 503)': serverErrors(report).length,
    'registered accounts': report.registered.length,
    'sessions revoked that should not be': report.wronglyRevoked.length,
    'failed requests that happened later': report.happenedAfterFailure.length,
    'answers lost to a fault, found done on retry': report.lostAnswers.length,
    'right password refused': report.wronglyRefused.length,
    ...extra,
  };
  return [`${title}`, ...rows, ...Object.entries(facts).map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)].join(
    '\n',
  );
}
