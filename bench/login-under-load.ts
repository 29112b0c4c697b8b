// A legitimate login's latency while 16 logins for unknown emails run at once (issue 9:
// admission control for password hashing). Run: npx tsx bench/login-under-load.ts
import { benchSystem, jsonPost } from './measure.ts';

const attackers = 16;
const samples = 20;
const system = await benchSystem('memory');
const login = (email: string, password: string) => system.app.request('/api/auth/login', jsonPost({ email, password }));
const legit = { email: 'ada@example.com', password: 'a sturdy passphrase' };
await system.app.request('/api/auth/register', jsonPost(legit));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.floor(sorted.length / 2)]!) : NaN;
};

/** `samples` legitimate logins one after another: status and milliseconds of each. */
async function legitimateLogins() {
  const results: Array<{ status: number; ms: number }> = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const { status } = await login(legit.email, legit.password);
    results.push({ status, ms: performance.now() - started });
  }
  return results;
}

function report(name: string, results: Array<{ status: number; ms: number }>) {
  const ok = results.filter((r) => r.status === 200).map((r) => r.ms);
  const refused = results.filter((r) => r.status === 503).map((r) => r.ms);
  const other = results.filter((r) => r.status !== 200 && r.status !== 503).map((r) => r.status);
  console.log(
    `${name}: ${ok.length} × 200 (median ${median(ok)} ms), ${refused.length} × 503 (median ${median(refused)} ms)${other.length ? `, other: ${other}` : ''}`,
  );
}

for (let i = 0; i < 5; i++) await login(legit.email, legit.password); // warm-up
report('idle', await legitimateLogins());

let attacking = true;
const attackStatuses = new Map<number, number>();
const attack = Array.from({ length: attackers }, async () => {
  while (attacking) {
    const { status } = await login(`nobody-${crypto.randomUUID()}@example.com`, 'a wrong passphrase');
    attackStatuses.set(status, (attackStatuses.get(status) ?? 0) + 1);
  }
});
await new Promise((resolve) => setTimeout(resolve, 300));
report(`under ${attackers} unknown-email logins`, await legitimateLogins());
attacking = false;
await Promise.all(attack);
console.log('unknown-email logins by status:', Object.fromEntries(attackStatuses));
await system.close();
