import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Whether text is an address in a plain spelling: a dotted quad (ipaddr.js would also read `127.1`,
 * `2130706433` or octal `010.0.0.1`), or IPv6 with no zone id (`fe80::1%eth0`: each zone would be
 * a client of its own) and any IPv4 inside it a dotted quad.
 */
function isPlainAddress(text: string): boolean {
  const isDottedQuad = (quad: string) => ipaddr.IPv4.isValidFourPartDecimal(quad);
  if (!text.includes(':')) return isDottedQuad(text);
  const tail = text.slice(text.lastIndexOf(':') + 1);
  return !text.includes('%') && ipaddr.IPv6.isValid(text) && (!tail.includes('.') || isDottedQuad(tail));
}

/**
 * An address as peers and proxies write it: bare, with a port (`a.b.c.d:p`, `[v6]:p`), or IPv4
 * as IPv6 (`::ffff:a.b.c.d`, how Node reports IPv4 peers on dual-stack sockets). Null when the
 * text is not an address in a plain spelling.
 */
function parseAddress(text: string): Address | null {
  const trimmed = text.trim();
  const bare = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed)?.[1] ?? /^([\d.]+):\d+$/.exec(trimmed)?.[1] ?? trimmed;
  return isPlainAddress(bare) ? ipaddr.process(bare) : null;
}

/** An address (a /32 or /128) or a CIDR range of trusted proxies. */
function parseRange(text: string): [Address, number] {
  if (text.includes('/')) return ipaddr.parseCIDR(text);
  const address = ipaddr.process(text);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * The client's address, in canonical form (so every spelling of one address is one client).
 * `X-Forwarded-For` is believed only from a trusted proxy, and then only up to the first hop that
 * is not itself a trusted proxy (read right to left): anything further left was written by the
 * client and could be forged. A hop that is not an address ends the walk at the hop before it.
 */
export function createClientIpResolver({
  peer,
  trustedProxies,
}: {
  peer: (c: Context) => string | undefined;
  /** Addresses or CIDR ranges. */
  trustedProxies: readonly string[];
}): (c: Context) => string | undefined {
  const ranges = trustedProxies.map(parseRange);
  const trusted = (address: Address) => ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  return function clientIp(c) {
    const direct = peer(c);
    let client = direct === undefined ? null : parseAddress(direct);
    if (!client) return direct?.slice(0, 64);
    const hops = (c.req.header('X-Forwarded-For') ?? '').split(',').reverse();
    for (const hop of hops) {
      if (!trusted(client)) break;
      const forwarded = parseAddress(hop);
      if (!forwarded) break;
      client = forwarded;
    }
    return client.toString();
  };
}

/**
 * The key a per-address limit counts under: the address itself for IPv4, its /64 for IPv6,
 * since one subscriber is routinely given a whole /64 and could otherwise rotate through it.
 */
export function rateLimitKey(ip: string): string {
  const address = parseAddress(ip);
  if (!address || address.kind() === 'ipv4') return ip;
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}
