import type { Jwks, LoginInput, LogoutInput, RefreshInput, SigningKeyRecord, TokenResponse } from './domain.ts';
import type { RegisterInput, UserView } from '../user/mod.ts';

/**
 * The auth module's port. Every method throws UnavailableError when a store it needs (or, called
 * remotely, a module) is down.
 */
export interface AuthApi {
  /** Creates an account (through the user module). Throws as UserApi.register. Not idempotent. */
  register(input: RegisterInput): Promise<UserView>;
  /**
   * Throws InvalidCredentialsError, one message for unknown email and wrong password,
   * RateLimitedError while the account is throttled, and (REQUIRE_VERIFIED_EMAIL, right password)
   * EmailNotVerifiedError. Not idempotent.
   */
  login(input: LoginInput): Promise<TokenResponse>;
  /** Rotates the refresh token. Throws InvalidRefreshTokenError, RefreshTokenReusedError. Not idempotent. */
  refresh(input: RefreshInput): Promise<TokenResponse>;
  /** Ends the caller's session. Throws UnauthenticatedError when it is no longer active. */
  logout(input: LogoutInput): Promise<void>;
  /** The public signing keys, newest first. Idempotent. */
  jwks(): Promise<Jwks>;
}

/**
 * Stores the Ed25519 signing keys. Several auth processes may share one store; they agree on the
 * keys by reading it, so every write here is safe against the others. When the store is down every
 * method rejects with UnavailableError; a write then changed nothing unless only its answer was lost.
 */
export interface SigningKeyRepository {
  /**
   * Stores `candidate` unless a key is stored already, then returns the newest stored key. Of
   * processes starting together, all end up with the same key. Store down: UnavailableError, and
   * the candidate is not stored unless only the answer was lost (list() tells).
   */
  ensure(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /**
   * Every stored key, newest first: by `activatesAt`, then `kid` (descending). Store down:
   * UnavailableError.
   */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Stores `candidate` as the successor of the stored key `currentKid`, unless that key has a
   * successor already (or is not stored), then returns the newest stored key. Of processes
   * rotating the same key at once, exactly one stores its candidate and all get that one back.
   * Store down: UnavailableError, and the candidate is not stored unless only the answer was lost
   * (list() tells).
   */
  rotate(currentKid: string, candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /**
   * Deletes the keys with these kids; unknown kids are ignored. Idempotent. Store down:
   * UnavailableError, and none was deleted, or (answer lost) all were: call it again.
   */
  remove(kids: readonly string[]): Promise<void>;
}
