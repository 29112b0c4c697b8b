import { randomSecret, sha256Hex } from '../kernel/mod.ts';

/** What a single-use account token proves, and how long it may (API.md). */
export const accountTokenLifetimes = {
  email_verification: 24 * 60 * 60_000,
  password_reset: 30 * 60_000,
  email_change: 24 * 60 * 60_000,
} as const;
export type AccountTokenKind = keyof typeof accountTokenLifetimes;
export const accountTokenKinds = Object.keys(accountTokenLifetimes) as AccountTokenKind[];

/**
 * A stored account token: only the SHA-256 of the token itself is kept, so a copy of the store
 * gives no usable link. `email` is the address the link was sent to: for a verification or a
 * reset the account's address then (the token works only while it still is), for an email change
 * the new address.
 */
export interface AccountTokenRecord {
  userId: string;
  kind: AccountTokenKind;
  hash: string;
  email: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The hash a token is stored and looked up by. */
export const accountTokenHash = (token: string) => sha256Hex(token);

/** A fresh token (256 random bits, base64url: 43 characters) and its record, valid for its kind's lifetime from `now`. */
export async function newAccountToken(
  input: Pick<AccountTokenRecord, 'userId' | 'kind' | 'email'>,
  now: Date,
): Promise<{ token: string; record: AccountTokenRecord }> {
  const token = randomSecret();
  const expiresAt = new Date(now.getTime() + accountTokenLifetimes[input.kind]);
  return { token, record: { ...input, hash: await accountTokenHash(token), createdAt: now, expiresAt } };
}
