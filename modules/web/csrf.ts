import type { Context, MiddlewareHandler } from 'hono';
import { sameSecret } from '../kernel/mod.ts';
import type { Visit } from './session.ts';

/** The hidden field of every form, and the header the passkey script sends instead. */
export const csrfField = 'csrf';
export const csrfHeader = 'X-CSRF-Token';

/**
 * Whether the request comes from a page of this origin: its Origin (or, when a browser sends none,
 * its Referer) is the public origin, or the origin the request itself was made to (the same
 * server reached by another name, e.g. 127.0.0.1 for localhost). A request with neither header is
 * refused: every browser in use sends Origin on a cross-origin form post.
 */
function fromThisOrigin(c: Context, publicOrigin: string): boolean {
  const origin = c.req.header('Origin') ?? originOf(c.req.header('Referer'));
  return origin !== undefined && (origin === publicOrigin || origin === new URL(c.req.url).origin);
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Cross-site request protection for every state-changing request: the Origin check above, and the
 * browser's anti-forgery token (a form field or, from the passkey script, a header) equal to its
 * session's, compared in constant time. SameSite=Lax alone would still let a sibling subdomain post.
 */
export function csrfProtection({
  publicOrigin,
  visitOf,
  refuse,
}: {
  publicOrigin: string;
  visitOf: (c: Context) => Visit;
  refuse: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  return async function csrfProtection(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (!fromThisOrigin(c, publicOrigin)) return refuse(c);
    let sent = c.req.header(csrfHeader);
    if (sent === undefined && (c.req.header('Content-Type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      const field = (await c.req.parseBody())[csrfField];
      sent = typeof field === 'string' ? field : undefined;
    }
    if (!sent || !sameSecret(sent, visitOf(c).csrfToken)) return refuse(c);
    return next();
  };
}
