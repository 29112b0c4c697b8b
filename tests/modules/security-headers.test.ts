import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../modules/gateway/mod.ts';

/** What Hono's secure-headers middleware sets with its defaults. */
async function honoDefaults() {
  const probe = new Hono().use(secureHeaders()).get('/', (c) => c.body(null));
  const headers: Record<string, string> = {};
  (await probe.request('/')).headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

// Where this API is stricter than Hono's defaults, and how.
const stricter: Record<string, string> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

describe('security headers', () => {
  it("are Hono's secure-headers defaults or stricter, and forbid everything a JSON API never needs", async () => {
    const ours = Object.fromEntries(Object.entries(securityHeaders).map(([name, value]) => [name.toLowerCase(), value]));
    const defaults = await honoDefaults();
    expect(Object.keys(defaults).length).toBeGreaterThan(5);
    for (const [name, value] of Object.entries(defaults)) expect(ours[name], name).toBe(stricter[name] ?? value);
    expect(ours['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
