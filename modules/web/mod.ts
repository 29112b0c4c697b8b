/**
 * The web app for people (API.md, "Web app"): server-rendered pages served by the gateway on its
 * origin, each a client of the public API through the gateway's own app; browser sessions in an
 * HttpOnly cookie over a server-side store. Other code imports only this file.
 */
export { createWebApp, type WebAppDeps } from './app.tsx';
export { cookieHeader } from './cookie.ts';
export { pagePolicy } from './form.ts';
export type { GatewayFetch, SecondFactorRecord, SignedInRecord, WebSessionRecord, WebSessionStore } from './ports.ts';
