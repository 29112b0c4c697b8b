/**
 * The admin module: queries and actions of admins over other accounts, through the user and
 * session modules' ports; every action an `admin.*` event naming the admin. Other code imports only this file.
 */
export type { AdminApi } from './ports.ts';
export { userDetailSchema, actionInputSchema, type UserDetail, type ActionInput } from './domain.ts';
export { adminEvents } from './events.ts';
export { CannotDisableSelfError } from './errors.ts';
export { createAdminService, type AdminServiceDeps } from './service.ts';
export { adminEndpoints } from './http.ts';
export { adminRouteDefinitions } from './routes.ts';
export { adminApiSpec, adminErrors } from './remote.ts';
export { adminModule, type AdminModuleDeps } from './module.ts';
