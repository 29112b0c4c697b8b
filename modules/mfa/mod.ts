/**
 * The mfa module: second factors (TOTP with recovery codes, passkeys) and the checks a login's
 * second step makes. Other code imports only this file.
 */
export type { MfaApi, MfaRepository, TotpReplayGuard, WebAuthnChallengeStore } from './ports.ts';
export {
  mfaMethods,
  mfaSummarySchema,
  assertionResultSchema,
  assertionCredentialSchema,
  requestOptionsSchema,
  loginStepResultSchema,
  type LoginStepInput,
  type LoginStepResult,
  type RequestOptions,
  type MfaMethod,
  type MfaSummary,
  type AssertionResult,
  type ChallengeRecord,
  type FactorPresence,
  type PasskeyRecord,
  type RecoveryCodeRecord,
  type SecondFactors,
  type TotpRecord,
} from './domain.ts';
export * from './errors.ts';
export { mfaEvents } from './events.ts';
export { createMfaService, type MfaServiceDeps } from './service.ts';
export { mfaEndpoints, passkeyEndpoints, mfaErrorStatus } from './http.ts';
export { mfaRouteDefinitions, passkeyRouteDefinitions } from './routes.ts';
export { mfaApiSpec, mfaErrors } from './remote.ts';
export { relyingPartyOf, type MfaSettings } from './settings.ts';
export { totpCodeAt, totpPeriodSeconds } from './totp.ts';
export type { RelyingParty } from './webauthn.ts';
export { mfaModule, type MfaModuleDeps } from './module.ts';
