import { DomainError } from '../kernel/mod.ts';

/** Unknown, expired or revoked refresh token: one message for all, so it reveals nothing. */
export class InvalidRefreshTokenError extends DomainError {
  constructor() {
    super('invalid_refresh_token', 'The refresh token is invalid or has expired.');
  }
}

/** A rotated token came back: the session has been revoked. Details are for the auth module's audit. */
export class RefreshTokenReusedError extends DomainError {
  constructor(
    readonly sessionId: string,
    readonly userId: string,
  ) {
    super('refresh_token_reused', 'The refresh token is invalid or has expired.', { sessionId, userId });
  }
}

export class SessionNotFoundError extends DomainError {
  constructor() {
    super('session_not_found', 'No such active session.');
  }
}

export const sessionErrorCodes = ['invalid_refresh_token', 'refresh_token_reused', 'session_not_found'] as const;
export type SessionErrorCode = (typeof sessionErrorCodes)[number];
