import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';

/** A cookie of the web app: HttpOnly (no script reads it), SameSite=Lax, for the whole origin. */
export interface CookieJar {
  read(c: Context, name: string): string | undefined;
  /** Sets `name` until the browser closes (no Max-Age) or, with `maxAgeSeconds` 0, removes it. */
  write(c: Context, name: string, value: string, maxAgeSeconds?: number): void;
}

/**
 * The `Set-Cookie` value of one of the app's cookies. Over https the name takes the `__Host-`
 * prefix, which the browser accepts only with Secure, Path=/ and no Domain: no sibling subdomain
 * and no plain-http page can set or shadow it. Over plain http (a developer's localhost) a
 * Secure cookie would not be sent back, so the name is plain.
 */
export function cookieHeader({
  name,
  value,
  secure,
  maxAgeSeconds,
}: {
  name: string;
  value: string;
  secure: boolean;
  maxAgeSeconds?: number;
}) {
  const parts = [`${secure ? '__Host-' : ''}${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

/** The app's cookies for a deployment at `publicUrl`: secure (and `__Host-`) when it is https. */
export function createCookieJar(publicUrl: string): CookieJar {
  const secure = new URL(publicUrl).protocol === 'https:';
  return {
    read: (c, name) => getCookie(c, `${secure ? '__Host-' : ''}${name}`),
    write(c, name, value, maxAgeSeconds) {
      c.header('Set-Cookie', cookieHeader({ name, value, secure, maxAgeSeconds }), { append: true });
    },
  };
}
