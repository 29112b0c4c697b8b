import { z } from 'zod';
import { requestMetaSchema, text } from '../kernel/mod.ts';

/**
 * Addresses are ASCII. Internationalised ones (RFC 6531) would need one Unicode case folding that
 * SQL and JavaScript agree on, and they do not: Postgres' lower() turns `İ` into `i`, JavaScript's
 * toLowerCase() into `i̇`, so one address could reach an account under spellings that a throttle
 * or a uniqueness check keyed the other way counts apart.
 */
const asciiOnly = /^[\x20-\x7e]*$/;
const asciiMessage = 'Must be an ASCII email address; internationalised addresses are not supported.';

/**
 * The one form accounts are matched by, computed here only: trimmed, ASCII letters lower-cased.
 * Stored beside the address as given, so no store folds case itself.
 */
export function canonicalEmail(email: string): string {
  return foldAscii(email.trim());
}

/** ASCII letters lower-cased, every other character kept: the folding SQL (`lower()` under "C") and JavaScript agree on. */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Emails are stored trimmed and matched by their canonical form (case-insensitively). */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .regex(asciiOnly, asciiMessage)
  .pipe(z.email({ message: 'Must be a valid email address.' }));

/** 8–128 characters, never truncated (NIST 800-63B); commonness is checked by the service. */
export const passwordSchema = text()
  .min(8, { message: 'Password must be at least 8 characters.' })
  .max(128, { message: 'Password must be at most 128 characters.' });

export const displayNameSchema = text().trim().min(1).max(100);

/** A password as presented for checking: no length rule to leak, only the upper bound. */
export const presentedPasswordSchema = text().max(128);

/**
 * An email as presented at login: not validated as an address, so any ASCII input is a plain 401;
 * non-ASCII is a 400 for every address alike (none can have an account), which reveals nothing.
 */
export const presentedEmailSchema = text().min(1).max(254).regex(asciiOnly, asciiMessage);

/** What any caller may see of an account. */
export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string().nullable(),
  createdAt: z.string(),
  /** True once the account has proven it owns `email` (a verification or email-change link). */
  emailVerified: z.boolean(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const registerInputSchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  displayName: displayNameSchema.optional(),
  meta: requestMetaSchema.optional(),
});
export type RegisterInput = z.input<typeof registerInputSchema>;

export const credentialsInputSchema = z.object({
  email: presentedEmailSchema,
  password: presentedPasswordSchema,
});
export type CredentialsInput = z.infer<typeof credentialsInputSchema>;

/** `userId` is set on failure when the account exists: for the audit log, never for the client. */
export const credentialCheckSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), user: userViewSchema }),
  z.object({ ok: z.literal(false), userId: z.string().nullable() }),
]);
export type CredentialCheck = z.infer<typeof credentialCheckSchema>;

export const updateProfileInputSchema = z.object({ userId: z.string(), displayName: displayNameSchema });
export type UpdateProfileInput = z.infer<typeof updateProfileInputSchema>;

export const changePasswordInputSchema = z.object({
  userId: z.string(),
  /** The session that made the change; every other session of the user is revoked. */
  sessionId: z.string(),
  currentPassword: presentedPasswordSchema,
  newPassword: passwordSchema,
  meta: requestMetaSchema.optional(),
});
export type ChangePasswordInput = z.infer<typeof changePasswordInputSchema>;

export const deleteAccountInputSchema = z.object({
  userId: z.string(),
  password: presentedPasswordSchema,
  meta: requestMetaSchema.optional(),
});
export type DeleteAccountInput = z.infer<typeof deleteAccountInputSchema>;

/** A single-use token as a client presents it: any text is taken, an unknown one is simply invalid. */
const presentedTokenSchema = text().min(1).max(256);

export const verifyEmailInputSchema = z.object({ token: presentedTokenSchema, meta: requestMetaSchema.optional() });
export type VerifyEmailInput = z.infer<typeof verifyEmailInputSchema>;

export const requestEmailVerificationInputSchema = z.object({ userId: z.string(), meta: requestMetaSchema.optional() });
export type RequestEmailVerificationInput = z.infer<typeof requestEmailVerificationInputSchema>;

export const forgotPasswordInputSchema = z.object({ email: emailSchema, meta: requestMetaSchema.optional() });
export type ForgotPasswordInput = z.infer<typeof forgotPasswordInputSchema>;

export const resetPasswordInputSchema = z.object({
  token: presentedTokenSchema,
  newPassword: passwordSchema,
  meta: requestMetaSchema.optional(),
});
export type ResetPasswordInput = z.infer<typeof resetPasswordInputSchema>;

export const requestEmailChangeInputSchema = z.object({
  userId: z.string(),
  newEmail: emailSchema,
  password: presentedPasswordSchema,
  meta: requestMetaSchema.optional(),
});
export type RequestEmailChangeInput = z.infer<typeof requestEmailChangeInputSchema>;

export const confirmEmailChangeInputSchema = z.object({ token: presentedTokenSchema, meta: requestMetaSchema.optional() });
export type ConfirmEmailChangeInput = z.infer<typeof confirmEmailChangeInputSchema>;

export const issueAccountTokenInputSchema = z.discriminatedUnion('kind', [
  z.object({ userId: z.string(), kind: z.enum(['email_verification', 'password_reset']) }),
  z.object({ userId: z.string(), kind: z.literal('email_change'), newEmail: emailSchema }),
]);
export type IssueAccountTokenInput = z.infer<typeof issueAccountTokenInputSchema>;

/**
 * A token just issued, for the notification module to mail: the raw token exists only here, on
 * its way into a link. `to` is the address to mail it to.
 */
export const issuedAccountTokenSchema = z.object({ token: z.string(), to: z.string(), expiresAt: z.string() });
export type IssuedAccountToken = z.infer<typeof issuedAccountTokenSchema>;

/** A stored account, as the repository keeps it. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string | null;
  passwordHash: string;
  emailVerified: boolean;
  /** A disabled account cannot log in or refresh. */
  status: 'active' | 'disabled';
  /** What its access tokens carry in `roles` (e.g. `admin`). */
  roles: string[];
  createdAt: Date;
  updatedAt: Date;
  /** Its last login (password checked and session made), or null before the first. */
  lastLoginAt: Date | null;
}

export function toUserView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    createdAt: user.createdAt.toISOString(),
    emailVerified: user.emailVerified,
  };
}

/** A role name, as the `roles` claim carries it. */
export const roleSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, {
  message: 'Must be a role name: a lower-case letter, then up to 31 lower-case letters, digits, _ or -.',
});

/** The role that may use the admin routes. */
export const adminRole = 'admin';

/** An account as admins (and token issuance) see it: the public view, its roles, whether it is disabled, its last login. */
export const accountViewSchema = userViewSchema.extend({
  disabled: z.boolean(),
  roles: z.array(z.string()),
  lastLoginAt: z.string().nullable(),
});
export type AccountView = z.infer<typeof accountViewSchema>;

export function toAccountView(user: UserRecord): AccountView {
  return {
    ...toUserView(user),
    disabled: user.status === 'disabled',
    roles: [...user.roles],
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}

/** The public view of an account view: what a login's answer shows of the user. */
export const userViewOf = ({ id, email, displayName, createdAt, emailVerified }: AccountView): UserView => ({
  id,
  email,
  displayName,
  createdAt,
  emailVerified,
});

/** How many accounts one search returns. */
export const searchLimit = { min: 1, max: 200, default: 50 } as const;

export const searchAccountsInputSchema = z.object({
  /** Matched against the email and the display name, ASCII letters in any case; empty or absent matches every account. */
  query: text().max(254).optional(),
  limit: z.number().int().min(searchLimit.min).max(searchLimit.max).default(searchLimit.default),
  /** The `nextCursor` of the page before. */
  cursor: z.string().max(512).optional(),
});
export type SearchAccountsInput = z.input<typeof searchAccountsInputSchema>;

export const accountPageSchema = z.object({ users: z.array(accountViewSchema), nextCursor: z.string().nullable() });
export type AccountPage = z.infer<typeof accountPageSchema>;

export const setDisabledInputSchema = z.object({ userId: z.string(), disabled: z.boolean() });
export type SetDisabledInput = z.infer<typeof setDisabledInputSchema>;
