/**
 * The gateway: the public HTTP edge (request ids, security headers, CORS, body limit, local
 * access-token verification, revocation check, routing). Other code imports only this file.
 */
export { createGatewayApp, gatewayErrorStatus, requestIdMaxLength, type GatewayOptions, type MountedGroup } from './app.ts';
export { securityHeaders } from './security-headers.ts';
export { createAccessTokenVerifier, type AccessTokenVerifier, type AccessTokenVerifierOptions } from './access-tokens.ts';
export { createRevocationSet, type RevocationSet } from './revocations.ts';
export { revocationHandlers } from './handlers.ts';
export * from './errors.ts';
export { createClientIpResolver, rateLimitKey } from './client-ip.ts';
export { rateLimitByIp } from './rate-limit.ts';
