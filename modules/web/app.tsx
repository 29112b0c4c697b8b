/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createApiCaller } from './api.ts';
import { page, seeOther, type Web, type WebEnv } from './context.tsx';
import { createCookieJar } from './cookie.ts';
import { csrfProtection } from './csrf.ts';
import { createLinkTokens } from './link-token.ts';
import { accountPages, requireSignIn } from './pages/account.tsx';
import { adminPages } from './pages/admin.tsx';
import { emailLinkPages } from './pages/email-links.tsx';
import { recoveryPages } from './pages/recovery.tsx';
import { registerPages } from './pages/register.tsx';
import { signInPages } from './pages/sign-in.tsx';
import { twoFactorPages } from './pages/two-factor.tsx';
import { passkeysScript } from './passkeys-script.ts';
import type { GatewayFetch, WebSessionStore } from './ports.ts';
import { createBrowserSessions, SignedOutError } from './session.ts';
import { stylesheet } from './style.ts';

export interface WebAppDeps {
  /** The gateway's own app: every page is a client of the public API through it (see GatewayFetch). */
  api: GatewayFetch;
  store: WebSessionStore;
  /** The deployment's public base URL: its origin is the one forms may come from; https makes the cookies `__Host-` and Secure. */
  publicUrl: string;
  /** How long an unused browser session lives: the API's refresh-token lifetime. */
  sessionTtlSeconds: number;
  /** @simplewebauthn/browser's browser bundle (a file of the package, read by the composition root). */
  webauthnBundle: () => Promise<Uint8Array<ArrayBuffer>>;
  /** Records a failure no page explains (the page itself says only that something went wrong). */
  logError: (error: unknown, context: Record<string, unknown>) => void;
}

/**
 * Every path of the pages: the app's middleware runs on these only, as it is mounted at the
 * gateway's root. (`/login/*` matches `/login` too: listing both would run the middleware twice.)
 */
const pagePaths = ['/', '/login/*', '/logout', '/register', '/forgot-password', '/reset-password', '/verify-email', '/confirm-email'];
const signedInPaths = ['/account/*', '/admin/*'];

const assetHeaders = (type: string) => ({ 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'public, max-age=3600' });

/**
 * The web app for people: server-rendered pages (hono/jsx) that work without JavaScript, except
 * passkeys. Why a client of the public API rather than of the module ports: through the gateway's
 * own app (in-process, no socket) a page gets exactly what any client gets in every placement,
 * monolith or split: validation, every error code, rate limits per real client address, throttling,
 * audit with the person's device. The browser holds only an HttpOnly cookie; its tokens stay here.
 */
export function createWebApp({ api, store, publicUrl, sessionTtlSeconds, webauthnBundle, logError }: WebAppDeps): Hono<WebEnv> {
  const callApi = createApiCaller(api);
  const cookies = createCookieJar(publicUrl);
  const sessions = createBrowserSessions({ store, callApi, cookies, ttlSeconds: sessionTtlSeconds });
  const web: Web = { sessions, callApi, linkTokens: createLinkTokens(cookies) };
  const app = new Hono<WebEnv>();

  app.get('/web/style.css', (c) => c.body(stylesheet, 200, assetHeaders('text/css')));
  app.get('/web/passkeys.js', (c) => c.body(passkeysScript, 200, assetHeaders('text/javascript')));
  app.get('/web/webauthn.js', async (c) => c.body(await webauthnBundle(), 200, assetHeaders('text/javascript')));

  const refused = (c: Parameters<typeof page>[0]) =>
    page(
      c,
      'Request refused',
      <p role="alert">This form came from another site, or it has expired. Go back to the page, reload it, and try again.</p>,
      { status: 403 },
    );
  const tooLarge = bodyLimit({ maxSize: 64 * 1024, onError: (c) => c.text('Too large', 413) });
  for (const path of [...pagePaths, ...signedInPaths]) {
    app.use(path, tooLarge, async function visit(c, next) {
      c.set('visit', await sessions.visit(c));
      await next();
    });
    app.use(path, csrfProtection({ publicOrigin: new URL(publicUrl).origin, visitOf: (c) => c.get('visit'), refuse: refused }));
  }
  for (const path of signedInPaths) app.use(path, requireSignIn);

  app.get('/', (c) => seeOther(c, c.get('visit').signedIn ? '/account' : '/login'));
  for (const pages of [signInPages, registerPages, recoveryPages, emailLinkPages, accountPages, twoFactorPages, adminPages])
    pages(app, web);

  app.onError(async (error, c) => {
    if (error instanceof SignedOutError) return seeOther(c, '/login?done=session-ended');
    logError(error, { requestId: c.get('requestId'), path: c.req.path });
    return page(c, 'Something went wrong', <p role="alert">Something went wrong on our side. Please try again.</p>, { status: 500 });
  });
  return app;
}
