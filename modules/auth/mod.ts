/**
 * The auth module: login, refresh, logout, access-token issuance (EdDSA), signing keys and JWKS.
 * Other code imports only this file.
 */
export type { AuthApi, PendingLoginStore, SigningKeyRepository } from './ports.ts';
export {
  tokenResponseSchema,
  mfaRequiredSchema,
  loginAnswerSchema,
  mfaTokenLifetimeSeconds,
  type LoginAnswer,
  type MfaRequired,
  type PendingLogin,
  jwksSchema,
  loginInputSchema,
  type TokenResponse,
  type Jwks,
  type LoginInput,
  type SigningKeyRecord,
} from './domain.ts';
export { authEvents } from './events.ts';
export { createAuthService, type AuthServiceDeps } from './service.ts';
export type { TokenSettings } from './signing.ts';
export {
  jwksMaxAgeSeconds,
  publicationLeadMs,
  rotateSigningKey,
  signingKeyStatuses,
  type KeyPolicy,
  type SigningKeyState,
  type SigningKeyStatus,
} from './key-lifecycle.ts';
export { InvalidMfaTokenError, type AuthErrorCode } from './errors.ts';
export { mfaTokenFailureLimit } from './pending-logins.ts';
export { authEndpoints, authErrorStatus, jwksEndpoints } from './http.ts';
export { authRouteDefinitions, jwksRouteDefinitions } from './routes.ts';
export { authApiSpec, authErrors } from './remote.ts';
export { createPasswordThrottle, passwordThrottlePolicy } from './throttle.ts';
export { authModule } from './module.ts';
