/**
 * The user module: accounts (email, display name, password hash, status).
 * Other code imports only this file.
 */
export type { UserApi, UserRepository, PasswordHasher, CommonPasswordList, AccountTokenRepository } from './ports.ts';
export {
  accountTokenKinds,
  accountTokenLifetimes,
  accountTokenHash,
  newAccountToken,
  type AccountTokenKind,
  type AccountTokenRecord,
} from './tokens.ts';
export {
  userViewSchema,
  accountViewSchema,
  accountPageSchema,
  searchAccountsInputSchema,
  searchLimit,
  roleSchema,
  adminRole,
  userViewOf,
  credentialCheckSchema,
  registerInputSchema,
  emailSchema,
  canonicalEmail,
  foldAscii,
  passwordSchema,
  displayNameSchema,
  presentedPasswordSchema,
  presentedEmailSchema,
  changePasswordInputSchema,
  deleteAccountInputSchema,
  updateProfileInputSchema,
  issuedAccountTokenSchema,
  type IssuedAccountToken,
  type UserView,
  type AccountView,
  type AccountPage,
  type SearchAccountsInput,
  type UserRecord,
  type CredentialCheck,
  type RegisterInput,
} from './domain.ts';
export * from './errors.ts';
export { userEvents } from './events.ts';
export { createUserService, type UserServiceDeps } from './service.ts';
export { userHandlers } from './handlers.ts';
export { userEndpoints, accountLinkEndpoints, userErrorStatus } from './http.ts';
export { userRouteDefinitions, accountLinkRouteDefinitions, userSchema } from './routes.ts';
export { userApiSpec, userErrors } from './remote.ts';
export { userModule } from './module.ts';
export type { SearchPosition } from './cursor.ts';
export { changeRole, type RoleChangeSource } from './roles.ts';
