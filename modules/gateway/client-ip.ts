import type { Context } from 'hono';

/**
 * The client's address. `X-Forwarded-For` is believed only from a trusted proxy, and then only up
 * to the first hop that is not itself a trusted proxy (read right to left): anything further left
 * was written by the client and could be forged.
 */
export function createClientIpResolver({
  peer,
  trustedProxies,
}: {
  peer: (c: Context) => string | undefined;
  trustedProxies: readonly string[];
}): (c: Context) => string | undefined {
  const trusted = new Set(trustedProxies.map(normalize));
  return function clientIp(c) {
    const direct = peer(c);
    if (!direct || !trusted.has(normalize(direct))) return direct;
    const hops = (c.req.header('X-Forwarded-For') ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!trusted.has(normalize(hops[i]!))) return hops[i]!.slice(0, 64);
    }
    return hops[0]?.slice(0, 64) ?? direct;
  };
}

// Node reports IPv4 peers on dual-stack sockets as ::ffff:a.b.c.d.
const normalize = (ip: string) => ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
