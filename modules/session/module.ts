import { defineModule } from '../kernel/mod.ts';
import { sessionEvents } from './events.ts';
import { sessionHandlers } from './handlers.ts';
import { sessionErrorStatus, sessionEndpoints } from './http.ts';
import { sessionApiSpec, sessionErrors } from './remote.ts';
import { sessionRouteDefinitions } from './routes.ts';
import { createSessionService, type SessionServiceDeps } from './service.ts';
import { sessionSettings } from './settings.ts';

/** Sessions and their refresh-token families: rotation, reuse detection, revocation. */
export const sessionModule = defineModule({
  name: 'session',
  port: { name: 'SessionApi', spec: sessionApiSpec, errors: sessionErrors },
  calls: [],
  routes: [{ path: '/api/sessions', definitions: sessionRouteDefinitions, endpoints: sessionEndpoints }],
  publishes: sessionEvents,
  errorStatus: sessionErrorStatus,
  settings: sessionSettings,
  create: (deps: SessionServiceDeps) => ({ api: createSessionService(deps), handlers: sessionHandlers }),
});
