/**
 * The session module: sessions and their refresh-token families (rotation, reuse detection,
 * revocation). Other code imports only this file.
 */
export type { SessionApi, SessionRepository, RefreshTokenMatch } from './ports.ts';
export {
  sessionViewSchema,
  amrSchema,
  issuedSessionSchema,
  refreshInputSchema,
  type RefreshInput,
  revokeReasons,
  isSessionActive,
  type SessionView,
  type SessionRecord,
  type IssuedSession,
  type RevokeReason,
} from './domain.ts';
export * from './errors.ts';
export { sessionEvents } from './events.ts';
export { createSessionService, type SessionServiceDeps } from './service.ts';
export { sessionEndpoints, sessionErrorStatus } from './http.ts';
export { sessionRouteDefinitions } from './routes.ts';
export { sessionHandlers } from './handlers.ts';
export { sessionApiSpec, sessionErrors } from './remote.ts';
export { sessionModule } from './module.ts';
