import { defineModule } from '../kernel/mod.ts';
import { userEvents } from './events.ts';
import { userHandlers } from './handlers.ts';
import { accountLinkEndpoints, userErrorStatus, userEndpoints } from './http.ts';
import { userApiSpec, userErrors } from './remote.ts';
import { accountLinkRouteDefinitions, userRouteDefinitions } from './routes.ts';
import { createUserService, type UserServiceDeps } from './service.ts';
import { userSettings } from './settings.ts';

/** Accounts: email, display name, password hash, status; verification, recovery and change of email. */
export const userModule = defineModule({
  name: 'user',
  port: { name: 'UserApi', spec: userApiSpec, errors: userErrors },
  calls: [],
  routes: [
    { path: '/api/users', definitions: userRouteDefinitions, endpoints: userEndpoints },
    // Links from mails are followed without a session: they live beside login, under /api/auth.
    { path: '/api/auth', definitions: accountLinkRouteDefinitions, endpoints: accountLinkEndpoints },
  ],
  publishes: userEvents,
  errorStatus: userErrorStatus,
  settings: userSettings,
  create: (deps: UserServiceDeps) => ({ api: createUserService(deps), handlers: () => userHandlers(deps) }),
});
