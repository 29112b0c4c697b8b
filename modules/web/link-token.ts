import type { Context } from 'hono';
import type { CookieJar } from './cookie.ts';

/** How long a link's token waits in its cookie: the longest a mailed link lives (the API checks its own expiry). */
const linkTokenMaxAgeSeconds = 24 * 60 * 60;

/**
 * The token of a mailed link (`/reset-password?token=…`), moved out of the URL: the link's answer
 * (`Referrer-Policy: no-referrer`) puts it in an HttpOnly cookie and redirects to the bare path,
 * so the page people see, its history entry and anything it loads never carry the token. Its
 * form then posts with this origin in `Origin`, which a no-referrer page would have sent as "null".
 */
export function createLinkTokens(cookies: CookieJar) {
  const cookieOf = (c: Context) => `${c.req.path.slice(1)}-token`;
  return {
    /** The redirect that takes the token out of the URL, or null when the URL carries none. */
    takeFromUrl(c: Context): Response | null {
      const token = c.req.query('token');
      if (token === undefined) return null;
      cookies.write(c, cookieOf(c), encodeURIComponent(token.slice(0, 512)), linkTokenMaxAgeSeconds);
      c.header('Referrer-Policy', 'no-referrer');
      c.header('Cache-Control', 'no-store');
      return c.redirect(c.req.path, 303);
    },
    /** The token this browser's link brought, if any. */
    read: (c: Context) => decodeURIComponent(cookies.read(c, cookieOf(c)) ?? ''),
    /** Forgets it once spent. */
    clear: (c: Context) => cookies.write(c, cookieOf(c), '', 0),
  };
}

export type LinkTokens = ReturnType<typeof createLinkTokens>;
