import type { Jwks, LoginInput, LogoutInput, RefreshInput, SigningKeyRecord, TokenResponse } from './domain.ts';
import type { RegisterInput, UserView } from '../user/mod.ts';

/** The auth module's port. */
export interface AuthApi {
  /** Creates an account (through the user module). Throws as UserApi.register. Not idempotent. */
  register(input: RegisterInput): Promise<UserView>;
  /**
   * Throws InvalidCredentialsError, one message for unknown email and wrong password, and
   * RateLimitedError while the account is throttled. Not idempotent.
   */
  login(input: LoginInput): Promise<TokenResponse>;
  /** Rotates the refresh token. Throws InvalidRefreshTokenError, RefreshTokenReusedError. Not idempotent. */
  refresh(input: RefreshInput): Promise<TokenResponse>;
  /** Ends the caller's session. Throws UnauthenticatedError when it is no longer active. */
  logout(input: LogoutInput): Promise<void>;
  /** The public signing keys, newest first. Idempotent. */
  jwks(): Promise<Jwks>;
}

/** Stores the Ed25519 signing keys. */
export interface SigningKeyRepository {
  /**
   * Stores `candidate` unless a key is stored already, then returns the newest stored key. Of
   * processes starting together, all end up with the same key.
   */
  ensure(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Every stored key, newest first. */
  list(): Promise<SigningKeyRecord[]>;
}
