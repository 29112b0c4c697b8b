import { z } from 'zod';
import { requestMetaSchema, text } from '../kernel/mod.ts';

/** Emails are stored trimmed and matched case-insensitively. */
export const emailSchema = z.string().trim().max(254).pipe(z.email({ message: 'Must be a valid email address.' }));

/** 8–128 characters, never truncated (NIST 800-63B); commonness is checked by the service. */
export const passwordSchema = text()
  .min(8, { message: 'Password must be at least 8 characters.' })
  .max(128, { message: 'Password must be at most 128 characters.' });

export const displayNameSchema = text().trim().min(1).max(100);

/** A password as presented for checking: no length rule to leak, only the upper bound. */
export const presentedPasswordSchema = text().max(128);

/** An email as presented at login: not validated as an address, so any input is a plain 401. */
export const presentedEmailSchema = text().min(1).max(254);

/** What any caller may see of an account. */
export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string().nullable(),
  createdAt: z.string(),
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

/** A stored account, as the repository keeps it. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string | null;
  passwordHash: string;
  status: 'active' | 'disabled';
  createdAt: Date;
  updatedAt: Date;
}

export function toUserView(user: UserRecord): UserView {
  return { id: user.id, email: user.email, displayName: user.displayName, createdAt: user.createdAt.toISOString() };
}
