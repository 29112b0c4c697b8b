import type { RequestOptions } from '../mfa/mod.ts';
import type { RegisterInput, UserView } from '../user/mod.ts';
import type {
  Jwks,
  LoginAnswer,
  LoginInput,
  LogoutInput,
  MfaOptionsInput,
  PasskeyLoginInput,
  PendingLogin,
  RefreshInput,
  SigningKeyRecord,
  TokenResponse,
  VerifyMfaInput,
} from './domain.ts';

/**
 * The auth module's port. Every method throws UnavailableError when a store it needs (or, called
 * remotely, a module) is down.
 */
export interface AuthApi {
  /** Creates an account (through the user module). Throws as UserApi.register. Not idempotent. */
  register(input: RegisterInput): Promise<UserView>;
  /**
   * Throws InvalidCredentialsError, one message for unknown email and wrong password,
   * RateLimitedError while the account is throttled, and (right password) AccountDisabledError or
   * (REQUIRE_VERIFIED_EMAIL) EmailNotVerifiedError. An account with a second factor gets no
   * session yet but an mfaToken for `verifyMfa`, bound to the account and to the client (address
   * and user agent), single use, for 5 minutes. Not idempotent.
   */
  login(input: LoginInput): Promise<LoginAnswer>;
  /**
   * Finishes a login with its second factor (checked by the mfa module); the session's `amr` is
   * `pwd` and the factor's. Throws InvalidMfaTokenError for an mfaToken that is unknown, expired,
   * used, voided or presented by another client; the factor's InvalidCodeError or
   * InvalidCredentialError, counted against the mfaToken (voided at the fifth) and, for codes,
   * against the account's throttle; RateLimitedError; and as `login` when the account changed
   * meanwhile. Of concurrent calls with one mfaToken at most one succeeds. Not idempotent.
   */
  verifyMfa(input: VerifyMfaInput): Promise<TokenResponse>;
  /** Options to sign with one of the account's passkeys for a second step. Throws InvalidMfaTokenError, NoSecondFactorError. Not idempotent. */
  mfaWebAuthnOptions(input: MfaOptionsInput): Promise<RequestOptions>;
  /** Options for a passwordless login with any discoverable passkey. Not idempotent. */
  passkeyOptions(): Promise<RequestOptions>;
  /**
   * Logs in with a user-verified discoverable passkey alone (`amr` `hwk`, `user`). Throws
   * InvalidCredentialError, and as `login` for a disabled or unverified account. Not idempotent.
   */
  passkeyLogin(input: PasskeyLoginInput): Promise<TokenResponse>;
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

/**
 * Keeps the logins waiting for their second step, by mfaToken hash, until they expire. Shared by
 * every auth process, so a second step may reach another process than its first. When the store
 * is down every method rejects with UnavailableError, and a write changed nothing unless only its
 * answer was lost; a write that reaches the store after its caller gave up changes nothing.
 */
export interface PendingLoginStore {
  /** Stores a new pending login until its `expiresAt`. Store down: UnavailableError, not stored unless only the answer was lost. */
  put(login: PendingLogin): Promise<void>;
  /** The pending login with this token hash, if stored and unexpired at `at`; else null. Store down: UnavailableError. */
  find(tokenHash: string, at: Date): Promise<PendingLogin | null>;
  /**
   * Removes the pending login and returns it when it was stored and unexpired at `at`; else null.
   * Of concurrent takes of one exactly one gets it. Store down: UnavailableError, and it is still
   * stored unless only the answer was lost.
   */
  take(tokenHash: string, at: Date): Promise<PendingLogin | null>;
  /**
   * Counts one failed second step; at `limit` failures the pending login is removed. Returns the
   * failures counted so far, or null when it is not stored (or expired at `at`). Concurrent calls
   * each count once. Store down: UnavailableError, not counted unless only the answer was lost.
   */
  fail(tokenHash: string, limit: number, at: Date): Promise<number | null>;
  /** Removes every pending login of `userId`. Store down: UnavailableError, and some may be left (call it again). */
  removeAllOf(userId: string): Promise<void>;
}
