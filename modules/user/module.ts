import { defineModule } from '../kernel/mod.ts';
import { userEvents } from './events.ts';
import { userErrorStatus, userEndpoints } from './http.ts';
import { userApiSpec, userErrors } from './remote.ts';
import { userRouteDefinitions } from './routes.ts';
import { createUserService, type UserServiceDeps } from './service.ts';
import { userSettings } from './settings.ts';

/** Accounts: email, display name, password hash, status. */
export const userModule = defineModule({
  name: 'user',
  port: { name: 'UserApi', spec: userApiSpec, errors: userErrors },
  calls: [],
  routes: [{ path: '/api/users', definitions: userRouteDefinitions, endpoints: userEndpoints }],
  publishes: userEvents,
  errorStatus: userErrorStatus,
  settings: userSettings,
  create: (deps: UserServiceDeps) => ({ api: createUserService(deps) }),
});
