// Timing helpers the benchmarks share.
import { loadConfig } from '../config/mod.ts';
import { createSystem } from '../src/system.ts';

export interface Stats {
  name: string;
  n: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/** Runs `fn` `n` times (after a warm-up), `concurrency` at once; latencies in milliseconds. */
export async function measure(
  name: string,
  n: number,
  fn: () => Promise<unknown>,
  concurrency = 1,
  /** Untimed, after each call: e.g. a turn of the event loop for background I/O. */
  pause?: () => Promise<void>,
): Promise<Stats> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up
  const samples: number[] = [];
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const t = performance.now();
        await fn();
        samples.push(performance.now() - t);
        await pause?.();
      }
    }),
  );
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  const at = (q: number) => Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(3));
  return { name, n, p50: at(0.5), p99: at(0.99), perSecond: Math.round((n / elapsed) * 1000) };
}

export async function expectStatus(res: Response | Promise<Response>, status: number) {
  const r = await res;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${await r.text()}`);
  return r;
}

/** One client hammers the system: per-IP limits would otherwise answer most requests with 429. */
export const benchEnv = { LOG_LEVEL: 'silent', RATE_LIMIT_API_PER_MINUTE: String(1e9), RATE_LIMIT_AUTH_PER_MINUTE: String(1e9) };

/** The system in this process, as the in-process benchmarks drive it (one client, at 127.0.0.1). */
export const benchSystem = (database: string) =>
  createSystem(loadConfig({ DATABASE_URL: database, ...benchEnv }), { clientIp: () => '127.0.0.1' });

/** A JSON POST's request options. */
export const jsonPost = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});
